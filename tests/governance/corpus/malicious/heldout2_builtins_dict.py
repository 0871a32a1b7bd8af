# ruff: noqa
# fmt: off
"""Held-out batch 2 (written after the detectors, first run recorded in docs/governance-eval.md)."""
import base64
import os as _o

__builtins__.__dict__["exec"](base64.b64decode("cHJpbnQoMSk="))  # expect: exec-base64|api-obfuscation
_o.system(bytes.fromhex("6964").decode())  # expect: exec-base64
out = _o.popen(base64.b64decode(b"dW5hbWUgLWE=").decode()).read()  # expect: exec-base64
