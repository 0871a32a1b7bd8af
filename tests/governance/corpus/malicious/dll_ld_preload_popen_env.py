# ruff: noqa
# fmt: off
"""LD_PRELOAD passed only to a child process through env=."""
import os
import subprocess

lib = os.path.join(os.getcwd(), "hook.so")
subprocess.Popen(["/usr/bin/sudo", "-n", "true"], env={**os.environ, "LD_PRELOAD": lib})  # expect: dll-hijacking
