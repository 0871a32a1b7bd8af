# ruff: noqa
# fmt: off
"""The 'setup.py publish' shortcut of requests-era projects, and the version taken from git tags."""
import os
import subprocess
import sys

from setuptools import setup

if sys.argv[-1] == "publish":
    os.system("python setup.py sdist bdist_wheel")  # ok: install-hook|shell-command
    os.system("twine upload dist/*")  # ok: install-hook|shell-command
    sys.exit()

try:
    version = subprocess.check_output(["git", "describe", "--tags", "--abbrev=0"], text=True).strip()  # ok: install-hook
except (OSError, subprocess.CalledProcessError):
    version = "0.0.0"

setup(name="httpie-plugin", version=version)
