"""Held-out batch 2 benign: ordinary data-engineering step code."""

import base64
import csv
import gzip
import hashlib
import io
import json
import logging
import os
import tempfile

import requests

log = logging.getLogger(__name__)
API = "https://api.example.com/v1"


def fetch_rows(token: str) -> list[dict]:
    response = requests.get(f"{API}/rows", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    payload = gzip.decompress(base64.b64decode(response.json()["data"]))
    return list(csv.DictReader(io.StringIO(payload.decode())))


def write_scratch(rows: list[dict]) -> str:
    path = os.path.join(tempfile.mkdtemp(), "rows.json")
    with open(path, "w") as out:
        json.dump(rows, out)
    log.info("wrote %d rows, checksum %s", len(rows), hashlib.sha256(json.dumps(rows).encode()).hexdigest())
    return path


def main() -> None:
    token = os.environ.get("API_TOKEN", "")
    rows = fetch_rows(token)
    write_scratch(rows)
