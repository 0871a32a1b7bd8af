# ruff: noqa
# fmt: off
"""Personal data in logs and sent to a host nobody declared."""
import logging
import os

import requests

logger = logging.getLogger(__name__)


def health_check():
    return True


def sync(contact):
    email = contact["email"]
    logger.info("syncing contact %s", email)  # expect: pii-in-logs
    print(contact["phone"])  # expect: pii-in-logs
    requests.post("https://api.crm.example.com/contacts", json={"email": email},
                  headers={"Authorization": os.environ["CRM_TOKEN"]}, timeout=10)
    requests.post("https://metrics.thirdparty.example.net/track", json={"email": email}, timeout=10)  # expect: pii-sent-out, undeclared-network-host
