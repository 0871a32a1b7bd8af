# ruff: noqa
# fmt: off
"""String building and getattr tricks that hide which function runs."""
import builtins

getattr(__import__("o" + "s"), "sys" + "tem")("id")  # expect: api-obfuscation

mod = __import__("".join(["s", "u", "b", "p", "r", "o", "c", "e", "s", "s"]))
mod.call(["whoami"])  # expect: api-obfuscation

getattr(builtins, "ex" + "ec")("print(1)")  # expect: api-obfuscation

exec("".join(chr(c) for c in [112, 114, 105, 110, 116, 40, 49, 41]))  # expect: exec-base64

exec(")'di'(metsys.)'so'(__tropmi__"[::-1])  # expect: exec-base64

globals()["__builtins__"]  # not a call: nothing to report
fn = vars(builtins)["ev" + "al"]
fn("1+1")  # expect: api-obfuscation
