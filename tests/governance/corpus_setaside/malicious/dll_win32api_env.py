# ruff: noqa
# fmt: off
"""pywin32's LoadLibrary on a path from the environment."""
import os

import win32api

win32api.LoadLibrary(os.path.join(os.environ["USERPROFILE"], "AppData", "Roaming", "d3d11.dll"))  # expect: dll-hijacking
