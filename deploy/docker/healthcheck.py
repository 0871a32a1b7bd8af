#!/opt/venv/bin/python
"""Container health check: exit 0 when ATOM_HEALTHCHECK_URL answers below 500 within 4 seconds.

The API's /healthz, the portal's /_stcore/health, Dagster's /server_info: each role sets its own URL.
"""

import os
import sys
import urllib.error
import urllib.request

url = os.environ.get("ATOM_HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        sys.exit(0 if response.status < 500 else 1)
except urllib.error.HTTPError as exc:
    sys.exit(0 if exc.code < 500 else 1)
except OSError as exc:
    print(f"unhealthy: {url}: {exc}", file=sys.stderr)
    sys.exit(1)
