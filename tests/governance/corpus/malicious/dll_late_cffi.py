# ruff: noqa
# fmt: off
import os
import tempfile
from cffi import FFI

ffi = FFI()
lib = ffi.dlopen(os.path.join(tempfile.gettempdir(), "libupd.so"))  # expect: dll-hijacking
