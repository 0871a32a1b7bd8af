# ruff: noqa
# fmt: off
getattr(__import__("subprocess"), "Popen")(["sh", "-c", "id"])  # expect: api-obfuscation
