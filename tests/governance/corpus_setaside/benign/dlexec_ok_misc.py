# ruff: noqa
# fmt: off
"""A plugin test harness and a fetch-and-parse client."""
import base64
import json

import httpx

spec = json.loads(base64.b64decode("eyJuYW1lIjogInBsdWdpbiJ9"))  # ok: exec-base64
data = httpx.get("https://api.example.org/v1/items", timeout=5).json()  # ok: download-execute
code = compile("result = 2 ** 10", "<expr>", "exec")  # ok: exec-base64|dynamic-code
ns = {}
exec(code, ns)  # ok: exec-base64|dynamic-code
