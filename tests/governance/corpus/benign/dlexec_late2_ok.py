# ruff: noqa
# fmt: off
import base64
import json
import shutil
import subprocess
import urllib.request


class Config:
    def __init__(self, blob):
        self.data = json.loads(base64.b64decode(blob))  # ok: exec-base64

    def dump(self):
        print(self.data)


version = subprocess.check_output(["curl", "--version"], text=True)  # ok: download-execute
with urllib.request.urlopen("https://example.org/data.csv") as resp, open("/tmp/scratch/data.csv", "wb") as out:
    shutil.copyfileobj(resp, out)  # ok: download-execute
print(open("/tmp/scratch/data.csv").read())
