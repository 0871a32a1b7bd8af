# ruff: noqa
# fmt: off
"""Compatibility shims: optional modules imported by name, attributes probed with getattr."""
import importlib
import os

try:
    tomllib = importlib.import_module("tomllib")  # ok: api-obfuscation
except ImportError:
    tomllib = importlib.import_module("tomli")  # ok: api-obfuscation

sched_getaffinity = getattr(os, "sched_getaffinity", None)  # ok: api-obfuscation
cpus = len(sched_getaffinity(0)) if sched_getaffinity else os.cpu_count()
fspath = getattr(os, "fs" + "path")  # ok: api-obfuscation
