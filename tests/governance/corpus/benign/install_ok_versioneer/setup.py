# ruff: noqa
# fmt: off
"""Honest setup.py idioms: version read by exec of a local file, versioneer's command classes."""
import os

import versioneer
from setuptools import find_packages, setup

here = os.path.abspath(os.path.dirname(__file__))
about = {}
with open(os.path.join(here, "mypkg", "__version__.py")) as f:
    exec(f.read(), about)  # ok: install-hook|dynamic-code

with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="mypkg",
    version=versioneer.get_version(),
    cmdclass=versioneer.get_cmdclass(),  # ok: install-hook
    long_description=long_description,
    packages=find_packages(exclude=["tests"]),
)
