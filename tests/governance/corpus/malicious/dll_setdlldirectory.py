# ruff: noqa
# fmt: off
"""SetDllDirectoryW pointed at the user's Downloads folder."""
import ctypes
import os

downloads = os.path.join(os.path.expanduser("~"), "Downloads")
ctypes.windll.kernel32.SetDllDirectoryW(downloads)  # expect: dll-hijacking
