# ruff: noqa
# fmt: off
"""operator.methodcaller calls os.system without an attribute access anyone can grep for."""
import operator
import os

run = operator.methodcaller("sys" + "tem", "whoami > /tmp/.u")
run(os)  # expect: api-obfuscation, shell-command
