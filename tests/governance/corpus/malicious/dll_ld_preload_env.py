# ruff: noqa
# fmt: off
"""LD_PRELOAD set in the environment so every later process loads the attacker's library."""
import os
import subprocess

os.environ["LD_PRELOAD"] = "/tmp/.cache/libprocesshider.so"  # expect: dll-hijacking
subprocess.run(["ps", "aux"])
