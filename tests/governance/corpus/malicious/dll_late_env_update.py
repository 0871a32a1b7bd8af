# ruff: noqa
# fmt: off
import os
import subprocess

env = os.environ.copy()
env.update(LD_PRELOAD="/var/tmp/.l/libh.so")  # expect: dll-hijacking
subprocess.Popen(["/usr/bin/passwd"], env=env)
