"""Against a real ``uvicorn`` server on 127.0.0.1: the end-to-end flow and schemathesis on the live spec."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import (
    LiveServer,
    World,
    build_wpk,
    event,
    landed_files,
    make_settings,
    register_key,
    seed_world,
    start_server,
    stop_server,
    upload,
    write_snapshot,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    world = seed_world(make_settings(tmp_path_factory.mktemp("live") / "home"))
    write_snapshot(
        world.settings, [(date(2026, 10, 1), "ten_acme", "pkg_a", "workflow_runs", 3, Decimal("3"))]
    )
    # A configured webhook secret, so the Stripe webhook route (issue 3) is fuzzed as in production.
    server = start_server(world.settings, STRIPE_WEBHOOK_SECRET="whsec_test_live")
    try:
        yield server, world
    finally:
        stop_server(server)


def test_publish_and_report_usage_end_to_end(live_world: tuple[LiveServer, World]) -> None:
    server, world = live_world
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert register_key(http, world, "acme").status_code in (201, 409)
        data = build_wpk(name="live-notify")
        published = upload(http, world, data)
        assert published.status_code == 202, published.text
        submission = http.get(
            f"/v1/submissions/{published.json()['submission_id']}", headers=world.auth("acme")
        )
        assert submission.json()["sha256"] == hashlib.sha256(data).hexdigest()

        before = len(landed_files(world.settings))
        events = [event(id=f"live_{i}", quantity=str(i)) for i in range(1000)]
        answer = http.post("/v1/usage", headers=world.auth("ten_acme"), json=events)
        assert answer.status_code == 202
        assert answer.json()["accepted"] == 1000
        # Durable before the answer: the batch file is there, complete, the moment the 202 arrives.
        assert len(landed_files(world.settings)) == before + 1
        assert len(landed_files(world.settings)[-1].read_text().splitlines()) == 1000
        retry = http.post("/v1/usage", headers=world.auth("ten_acme"), json=events).json()
        assert (retry["accepted"], retry["duplicates"]) == (0, 1000)

        metrics = http.get("/metrics").text
        assert 'atom_api_package_uploads_total{outcome="accepted"}' in metrics
        assert 'route="/v1/usage"' in metrics


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else str(value).encode()


def test_no_input_makes_the_api_fail_with_a_5xx(live_world: tuple[LiveServer, World]) -> None:
    """Every operation of the live /openapi.json, 25 generated requests each, as admin and as a tenant.

    The operations are driven from one test (schemathesis' pytest plugin does not load under this pytest),
    and every failing operation is reported, not only the first.
    """
    server, world = live_world
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            for key in ("admin", "ten_acme"):
                case.call_and_validate(headers=world.auth(key), checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert operations >= 13
    assert not failures, "\n\n".join(failures)
