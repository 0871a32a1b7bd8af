# ruff: noqa
# fmt: off
"""importlib with a name joined from letters."""
import importlib

sp = importlib.import_module("".join(["s", "u", "b", "p", "r", "o", "c", "e", "s", "s"]))
sp.Popen(["/bin/sh", "-c", "id > /tmp/.o"])  # expect: api-obfuscation
