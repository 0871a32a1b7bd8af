# ruff: noqa
# fmt: off
import ctypes
import os

os.environ["LD_LIBRARY_PATH"] = os.path.join(os.path.dirname(__file__), "lib")  # ok: dll-hijacking
lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "lib", "libfoo.so"))  # ok: dll-hijacking
