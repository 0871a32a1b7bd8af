# ruff: noqa
# fmt: off
"""__builtins__.__dict__ lookup, the spelling used by several 2023 info-stealers."""
code = "print('stage2')"
__builtins__.__dict__["ex" + "ec"](code)  # expect: api-obfuscation
