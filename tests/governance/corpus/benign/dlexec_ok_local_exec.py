# ruff: noqa
# fmt: off
"""exec and subprocess on local, constant or package-owned code."""
import os
import runpy
import subprocess
import sys

here = os.path.dirname(__file__)
version_ns = runpy.run_path(os.path.join(here, "_version.py"))  # ok: download-execute
subprocess.run([sys.executable, "-m", "pip", "--version"], check=True)  # ok: exec-base64|download-execute
namespace = {}
exec(compile("x = 1 + 1", "<config>", "exec"), namespace)  # ok: exec-base64|dynamic-code
TEMPLATE = "def f(a):\n    return a * 2\n"
exec(TEMPLATE, namespace)  # ok: exec-base64|dynamic-code
