# ruff: noqa
# fmt: off
"""A temporary file with a .dll suffix, filled from a zlib-compressed blob and loaded."""
import ctypes
import os
import tempfile
import zlib

BLOB = b"x\x9c\xf3\xf5\x02\x00\x01\x1e\x00\xa8"
fd, name = tempfile.mkstemp(suffix=".dll")
os.write(fd, zlib.decompress(BLOB))  # expect: dll-hijacking
os.close(fd)
ctypes.windll.LoadLibrary(name)  # expect: dll-hijacking
