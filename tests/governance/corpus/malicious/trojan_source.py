# ruff: noqa
# fmt: off
"""Trojan Source: bidirectional overrides and invisible characters."""
access_level = "user"
if access_level != "none‮⁦":  # Check if admin⁩⁦  # expect: unicode-bidi
    pass
ROLE = "admin​"  # expect: invisible-unicode
