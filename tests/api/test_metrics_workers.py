"""`atom serve --workers 2`: /metrics counts the requests of every worker, whichever worker answers the
scrape (prometheus-client's multiprocess mode; issue 13 item 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import make_settings, seed_world, start_server, stop_server
from tests.api.test_intake_under_load import now_event

pytestmark = pytest.mark.slow


def _usage_requests(metrics_text: str) -> float:
    pattern = r'^atom_api_requests_total\{method="POST",route="/v1/usage",status="202"\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, metrics_text, flags=re.M))


def test_every_scrape_counts_the_requests_of_both_workers(tmp_path: Path) -> None:
    world = seed_world(make_settings(tmp_path / "home"))
    server = start_server(world.settings, 2, through_cli=True)
    counters = world.settings.home / "api" / "prometheus"
    try:
        tenant = world.auth("ten_acme")

        def post(i: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:  # a new connection each
                response = http.post("/v1/usage", headers=tenant, json=[now_event(id=f"evt_{i}")])
                assert response.status_code == 202, response.text

        sent = 48
        with ThreadPoolExecutor(max_workers=8) as pool:  # the kernel picks the worker of each connection
            list(pool.map(post, range(sent)))
        assert list(counters.glob("counter_*.db")), "the workers keep no counters in the shared folder"
        scrapes = []
        for _ in range(8):
            with httpx.Client(base_url=server.url, timeout=30) as http:
                scrapes.append(_usage_requests(http.get("/metrics").text))
        assert scrapes == [float(sent)] * 8
    finally:
        stop_server(server)


_WORKER = """
import sys
from ingest.api.observability import ApiMetrics
ApiMetrics().requests.labels("POST", "/v1/usage", "202").inc(int(sys.argv[1]))
"""


def test_a_scrape_sums_the_counters_of_every_worker_process(tmp_path: Path) -> None:
    """Deterministic beside the live test above, where the kernel decides which worker takes a connection:
    two worker processes count, one scrape reads both."""
    from atom.settings import Settings
    from ingest.api.observability import ApiMetrics, exposition

    directory = tmp_path / "prometheus"
    directory.mkdir()
    for requests in ("5", "7"):  # fresh interpreters with the variable set, as uvicorn's workers are
        subprocess.run(
            [sys.executable, "-c", _WORKER, requests],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
            check=True,
            timeout=60,
        )
    assert len(list(directory.glob("counter_*.db"))) == 2
    settings = Settings(ATOM_HOME=str(tmp_path / "home"), PROMETHEUS_MULTIPROC_DIR=str(directory))
    payload, _ = exposition(settings, ApiMetrics().registry)
    assert _usage_requests(payload.decode()) == 12.0
