# ruff: noqa
# fmt: off
"""A library path taken from the command line or the environment and loaded as is."""
import ctypes
import os
import sys

lib = ctypes.cdll.LoadLibrary(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PLUGIN_LIB", ""))  # expect: dll-hijacking
