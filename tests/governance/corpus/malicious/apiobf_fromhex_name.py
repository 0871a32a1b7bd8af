# ruff: noqa
# fmt: off
"""Module name hidden as hex bytes."""
mod = __import__(bytes.fromhex("73756270726f63657373").decode())
mod.check_output(["hostname"])  # expect: api-obfuscation
