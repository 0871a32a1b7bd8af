# ruff: noqa
# fmt: off
import os

list(map(getattr(os, "sys" + "tem"), ["id", "uname -a"]))  # expect: api-obfuscation
