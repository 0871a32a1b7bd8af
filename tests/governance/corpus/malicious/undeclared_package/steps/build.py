# ruff: noqa
# fmt: off
"""Does more than its manifest grants."""
import logging
import subprocess

import requests

log = logging.getLogger(__name__)


def build(report):
    subprocess.run(["pandoc", "report.md", "-o", "report.pdf"], check=True)  # expect: undeclared-subprocess
    with open("/tmp/report.json", "w") as out:  # expect: undeclared-filesystem-write
        out.write(report)
    requests.get("https://api.other-service.example.com/v1/data", timeout=10)  # expect: undeclared-network-host
    eval(report["formula"])  # expect: dynamic-code
