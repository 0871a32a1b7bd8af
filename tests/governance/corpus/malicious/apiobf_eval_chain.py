# ruff: noqa
# fmt: off
"""eval of an attribute chain returns the function itself."""
import os

fn = eval("o" + "s.sys" + "tem")  # expect: api-obfuscation|dynamic-code
fn("uname -a")  # expect: api-obfuscation
