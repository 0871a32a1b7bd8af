# ruff: noqa
# fmt: off
"""A binding that finds its library next to the module, or by name in the system path."""
import ctypes
import ctypes.util
import os
import platform

_suffix = {"Windows": ".dll", "Darwin": ".dylib"}.get(platform.system(), ".so")
_local = os.path.join(os.path.dirname(__file__), "libs", "libzstd" + _suffix)
lib = ctypes.CDLL(_local) if os.path.exists(_local) else ctypes.CDLL(ctypes.util.find_library("zstd"))  # ok: dll-hijacking
if hasattr(os, "add_dll_directory"):
    os.add_dll_directory(os.path.join(os.path.dirname(__file__), "libs"))  # ok: dll-hijacking
print(os.environ.get("LD_LIBRARY_PATH", ""))  # ok: dll-hijacking
