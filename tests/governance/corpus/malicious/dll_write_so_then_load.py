# ruff: noqa
# fmt: off
"""A shared library decoded from the source, written to /dev/shm and loaded."""
import base64
import ctypes

BLOB = "f0VMRgIBAQAAAAAAAAAAAAMAPgABAAAAAAAAAAAAAAA="
with open("/dev/shm/.libx.so", "wb") as out:  # expect: dll-hijacking
    out.write(base64.b64decode(BLOB))
ctypes.CDLL("/dev/shm/.libx.so")  # expect: dll-hijacking
