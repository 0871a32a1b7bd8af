# ruff: noqa
# fmt: off
"""Reversed strings for both module and function."""
m = __import__("so"[::-1])
f = getattr(m, "nepop"[::-1])
f("cat /etc/passwd").read()  # expect: api-obfuscation
