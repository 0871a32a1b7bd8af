# ruff: noqa
# fmt: off
"""marshal'd code object turned into a function with types.FunctionType and called."""
import base64
import marshal
import types

CODE = "4wAAAAAAAAAAAAAAAAAAAAACAAAAQAAAAHMMAAAAZQBkAIMBAQBkAVMAKQLaAmhpTikB2gVwcmludKkAcgIAAAByAgAAAPoAPG1vZHVsZT4BAAAAcwAAAAA="
fn = types.FunctionType(marshal.loads(base64.b64decode(CODE)), globals())  # expect: exec-base64, unsafe-deserialization
fn()
