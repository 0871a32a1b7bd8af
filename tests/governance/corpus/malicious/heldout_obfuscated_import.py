# ruff: noqa
# fmt: off
"""Held-out: imports hidden behind importlib and hex strings."""
import importlib
import binascii

sp = importlib.import_module(binascii.unhexlify("73756270726f63657373").decode())
sp.check_output(["id"])  # expect: api-obfuscation
o = importlib.import_module("o" "s")
getattr(o, "po" + "pen")("uname -a").read()  # expect: api-obfuscation
