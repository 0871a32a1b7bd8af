# ruff: noqa
# fmt: off
"""Packed with PyArmor: nothing to review."""
from pytransform import pyarmor_runtime  # expect: packed-payload
pyarmor_runtime()  # expect: packed-payload
__pyarmor__(__name__, __file__, b'\x50\x59\x41\x52\x4d\x4f\x52')  # expect: packed-payload
