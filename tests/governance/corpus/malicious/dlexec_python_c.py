# ruff: noqa
# fmt: off
"""Decoded code handed to a fresh interpreter with -c."""
import base64
import subprocess
import sys

stage = base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQnKQ==").decode()
subprocess.Popen([sys.executable, "-c", stage], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # expect: exec-base64
