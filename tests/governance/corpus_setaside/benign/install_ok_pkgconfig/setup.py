# ruff: noqa
# fmt: off
"""Compiler flags from pkg-config, as lxml-style bindings do."""
import subprocess

from setuptools import Extension, setup


def pkgconfig(flag, lib):
    try:
        return subprocess.check_output(["pkg-config", flag, lib], text=True).split()  # ok: install-hook
    except (OSError, subprocess.CalledProcessError):
        return []


ext = Extension("xmlfast._x", ["src/x.c"], extra_compile_args=pkgconfig("--cflags", "libxml-2.0"))
setup(name="xmlfast", version="1.2", ext_modules=[ext])
