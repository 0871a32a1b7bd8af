# ruff: noqa
# fmt: off
"""Downloaded and decoded data that is parsed, stored or checked, never executed."""
import base64
import codecs
import hashlib
import json
import marshal
import os
import socket
import urllib.request
import zlib

import requests

config = json.loads(urllib.request.urlopen("https://api.github.com/repos/psf/requests").read())  # ok: download-execute
resp = requests.get("https://example.org/data.csv", timeout=10)
with open(os.path.join("/tmp/scratch", "data.csv"), "wb") as fh:
    fh.write(resp.content)  # ok: download-execute
attachment = base64.b64decode("aGVsbG8gd29ybGQ=")  # ok: exec-base64
table = zlib.decompress(base64.b64decode("eJzLSM3JyVcozy/KSQEAGgQEXQ=="))  # ok: exec-base64
cache = marshal.dumps({"a": 1})  # ok: unsafe-deserialization
riddle = codecs.decode("uryyb", "rot13")  # ok: exec-base64
print(riddle)


def checksum(data: bytes, key: int = 0x5A) -> int:
    value = 0
    for b in data:
        value ^= b ^ key  # ok: exec-base64
    return value


digest = hashlib.sha256(resp.content).hexdigest()  # ok: download-execute


def read_message(sock: socket.socket) -> dict:
    raw = sock.recv(65536)  # ok: download-execute
    return json.loads(raw.decode())
