# ruff: noqa
# fmt: off
"""An XOR loop decrypts the payload before it is executed (common in 2023-24 stealer loaders)."""
KEY = 0x5A
DATA = [51, 55, 42, 53, 40, 46, 122, 53, 41, 97, 53, 41, 116, 41, 35, 41, 46, 63, 55, 114, 125, 51, 62, 125, 115]
out = ""
for b in DATA:
    out += chr(b ^ KEY)
exec(out)  # expect: exec-base64
