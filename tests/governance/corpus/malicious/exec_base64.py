# ruff: noqa
# fmt: off
"""Encoded payloads reaching exec: straight, multi-line, through variables and compression."""
import base64
import marshal
import zlib

payload = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="
exec(base64.b64decode(payload))  # expect: exec-base64

code = base64.b64decode(payload).decode()
eval(code)  # expect: exec-base64

exec(  # expect: exec-base64
    zlib.decompress(
        base64.b64decode(
            "eJzLzE3NLy1RyEgsSgUAGnYEVQ=="
        )
    )
)

blob = b"\xe3\x00\x00\x00"
exec(marshal.loads(zlib.decompress(blob)))  # expect: exec-base64, unsafe-deserialization

compiled = compile(bytes.fromhex("7072696e7428312b3129"), "<x>", "exec")  # expect: exec-base64
exec(compiled)  # expect: exec-base64
