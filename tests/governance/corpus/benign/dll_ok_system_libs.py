# ruff: noqa
# fmt: off
"""Honest native loading: system libraries by name, the package's own bundled library, delvewheel's DLL dir."""
import ctypes
import ctypes.util
import os
import sys

libc = ctypes.CDLL(ctypes.util.find_library("c"))  # ok: dll-hijacking
libm = ctypes.CDLL("libm.so.6")  # ok: dll-hijacking
if sys.platform == "win32":
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # ok: dll-hijacking
    libs_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, "mypkg.libs"))
    os.add_dll_directory(libs_dir)  # ok: dll-hijacking

_here = os.path.dirname(os.path.abspath(__file__))
_native = ctypes.CDLL(os.path.join(_here, "_native.so"))  # ok: dll-hijacking
ssl_path = ctypes.util.find_library("ssl")  # ok: dll-hijacking
