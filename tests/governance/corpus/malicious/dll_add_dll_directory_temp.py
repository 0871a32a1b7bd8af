# ruff: noqa
# fmt: off
"""The DLL search path extended with a user-writable directory before an import that loads a DLL."""
import os

os.add_dll_directory(os.environ["TEMP"])  # expect: dll-hijacking
import _ssl  # the search now reaches %TEMP% first
