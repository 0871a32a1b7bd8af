# ruff: noqa
# fmt: off
import os
import subprocess

startfile = getattr(os, "startfile", None)  # ok: api-obfuscation


def open_file(path):
    if startfile is not None:
        startfile(path)  # ok: api-obfuscation
    else:
        subprocess.run(["xdg-open", path], check=False)
