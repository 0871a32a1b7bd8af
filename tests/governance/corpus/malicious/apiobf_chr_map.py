# ruff: noqa
# fmt: off
"""Function name from a chr() sequence."""
import os

name = "".join(map(chr, [115, 121, 115, 116, 101, 109]))
getattr(os, name)("id")  # expect: api-obfuscation
