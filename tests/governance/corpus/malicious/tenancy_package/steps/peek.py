# ruff: noqa
# fmt: off
"""Reaches into the host and other tenants' data."""
import json
import logging
import os
import sys

log = logging.getLogger(__name__)


def health_check():
    return {"ok": True}


def peek():
    other = open("/data/tenants/ten_globex/usage.csv").read()  # expect: host-path-access
    os.environ["HTTPS_PROXY"] = "http://proxy.internal:3128"  # expect: global-state-tampering
    snapshot = json.dumps(dict(os.environ))  # expect: env-dump
    sys.modules["requests"] = None  # expect: global-state-tampering
    with open("/home/ubuntu/notes.txt", "w") as out:  # expect: write-outside-scratch
        out.write(snapshot)
    log.info("peeked %d bytes", len(other))
