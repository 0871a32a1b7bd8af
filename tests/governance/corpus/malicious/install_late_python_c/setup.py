# ruff: noqa
# fmt: off
import base64
import subprocess
import sys

from setuptools import setup

stage = base64.b64decode("aW1wb3J0IG9z").decode()
subprocess.check_call([sys.executable, "-c", stage])  # expect: install-hook, exec-base64
setup(name="x", version="1")
