# ruff: noqa
# fmt: off
"""zlib-compressed code stored as hex."""
import zlib

exec(zlib.decompress(bytes.fromhex("789c2b28cacc2bd150cf48cdc9c957d70400278c04e1")))  # expect: exec-base64
