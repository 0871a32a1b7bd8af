# ruff: noqa
# fmt: off
"""base85 text compiled to a code object first, executed on a later line."""
import base64

code_obj = compile(base64.b85decode("aB^vGbSNiiX(uT"), "<string>", "exec")  # expect: exec-base64
exec(code_obj)  # expect: exec-base64
