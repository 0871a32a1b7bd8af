# ruff: noqa
# fmt: off
"""A module fetched from sys.modules by a built name, a function by getattr with a variable."""
import os
import sys

target = "sy" + "stem"
getattr(sys.modules["o" + "s"], target)("rm -rf ~/.bash_history")  # expect: api-obfuscation
