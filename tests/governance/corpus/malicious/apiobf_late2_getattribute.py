# ruff: noqa
# fmt: off
import os

os.__getattribute__("sys" + "tem")("id")  # expect: api-obfuscation
