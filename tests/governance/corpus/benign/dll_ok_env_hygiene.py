# ruff: noqa
# fmt: off
"""Removing preload variables before starting a child, and warning when they are set."""
import logging
import os
import subprocess

log = logging.getLogger(__name__)

if "LD_PRELOAD" in os.environ:  # ok: dll-hijacking
    log.warning("LD_PRELOAD is set; results may differ")
clean_env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "DYLD_INSERT_LIBRARIES")}  # ok: dll-hijacking
env = dict(os.environ)
env.pop("LD_PRELOAD", None)  # ok: dll-hijacking
subprocess.run(["git", "--version"], env=env, check=True)
