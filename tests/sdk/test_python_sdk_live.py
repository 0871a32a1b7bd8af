"""The Python SDK against a real ``atom serve`` on 127.0.0.1 (started by tests/sdk/live_server.py).

The acceptance test of issue 4 is the last one: publish a signed package built from a directory,
record 100,000 events with the batching recorder, run a real build, read them back as usage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from atom_sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    PermissionDeniedError,
    RecorderError,
    ValidationError,
    keys,
)

from tests.sdk.conftest import write_package
from tests.sdk.live_server import LiveServer, start

TENANT = "ten_sdk_live"
OTHER_TENANT = "ten_sdk_other"
PUBLISHER = "pub_sdk_live"
# Inside the generated marketplace's last month (it is generated as of 2026-11-20).
PERIOD = "2026-11"
START = datetime(2026, 11, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start(
        tmp_path_factory.mktemp("live") / "home", tenants=(TENANT, OTHER_TENANT), publishers=(PUBLISHER,)
    )
    yield server
    server.stop()


@pytest.fixture
def tenant(live: LiveServer) -> Iterator[Client]:
    with Client(live.key("tenant", TENANT), base_url=live.url) as client:
        yield client


@pytest.fixture
def publisher(live: LiveServer) -> Iterator[Client]:
    with Client(live.key("publisher", PUBLISHER), base_url=live.url) as client:
        yield client


def test_an_unknown_key_raises_authentication_error_with_the_api_reason(live: LiveServer) -> None:
    with Client("atom_not-a-key", base_url=live.url) as client, pytest.raises(AuthenticationError) as caught:
        client.usage.record(TENANT, "workflow_runs")
    assert caught.value.reason == "unauthorized" and "not valid" in caught.value.detail


def test_a_tenant_key_reporting_for_another_tenant_raises_permission_denied(tenant: Client) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        tenant.usage.record(OTHER_TENANT, "workflow_runs")
    assert caught.value.reason == "forbidden" and TENANT in caught.value.detail
    with pytest.raises(PermissionDeniedError):
        tenant.usage.get(OTHER_TENANT, PERIOD)


def test_a_resent_event_counts_once(tenant: Client) -> None:
    first = tenant.usage.record(TENANT, "workflow_runs", timestamp=START, id="evt_sdk_resent_once")
    again = tenant.usage.record(TENANT, "workflow_runs", timestamp=START, id="evt_sdk_resent_once")
    assert (first.accepted, first.duplicates) == (1, 0)
    assert (again.accepted, again.duplicates) == (0, 1)


def test_invalid_events_come_back_by_id_with_the_loaders_reason(tenant: Client) -> None:
    with tenant.usage.recorder(batch_size=10, flush_interval=30) as recorder:
        good = recorder.record(TENANT, "workflow_runs", timestamp=START)
        bad = recorder.record(TENANT, "no_such_metric", timestamp=START)
    assert recorder.stats.accepted == 1
    assert [(r.event_id, r.reason) for r in recorder.stats.rejected] == [(bad, "unknown_metric")]
    assert good != bad


def test_a_refused_batch_surfaces_from_the_recorder(tenant: Client) -> None:
    with pytest.raises(RecorderError, match="403"), tenant.usage.recorder(batch_size=5) as recorder:
        recorder.record(OTHER_TENANT, "workflow_runs", timestamp=START)


def test_a_package_whose_publisher_is_not_the_caller_is_refused(publisher: Client, tmp_path: Path) -> None:
    private_pem, public_pem = keys.generate("ed25519")
    publisher.publishers.register_key(PUBLISHER, public_pem)
    wpk = publisher.packages.build(
        write_package(tmp_path / "pkg", name="not-mine", publisher="pub_someone_else")
    )
    with pytest.raises((ValidationError, PermissionDeniedError)) as caught:
        publisher.packages.publish(wpk, publisher.packages.sign(wpk, private_pem))
    assert "pub_someone_else" in str(caught.value)


def test_the_async_client_records_through_its_recorder(live: LiveServer) -> None:
    async def main() -> int:
        async with AsyncClient(live.key("tenant", TENANT), base_url=live.url) as client:
            async with client.usage.recorder(batch_size=50, flush_interval=0.2) as recorder:
                for i in range(120):
                    await recorder.record(TENANT, "workflow_runs", timestamp=START + timedelta(seconds=i))
            return recorder.stats.accepted

    assert asyncio.run(main()) == 120


@pytest.mark.slow
def test_publish_a_signed_package_record_100000_events_and_read_them_back_as_usage(
    live: LiveServer, publisher: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Publish: build from a directory, sign, register the key, upload, follow the submission.
    private_pem, public_pem = keys.generate("ecdsa-p256")
    key_id = publisher.publishers.register_key(PUBLISHER, public_pem)
    assert key_id == keys.key_id(public_pem)
    wpk = publisher.packages.build(
        write_package(tmp_path / "slack-notify", name="sdk-slack-notify", publisher=PUBLISHER)
    )
    receipt = publisher.packages.publish(wpk, publisher.packages.sign(wpk, private_pem))
    assert receipt.status == "pending_scan"
    assert publisher.submissions.get(receipt.submission_id).status == "pending_scan"

    # Record: a fresh tenant, so its usage is exactly what this test sends.
    tenant_id = "ten_sdk_acceptance"
    with Client(live.admin_key, base_url=live.url) as admin:
        admin.tenants.create(tenant_id, "SDK acceptance")
        with admin.usage.recorder(batch_size=1000, flush_interval=1.0) as recorder:
            for i in range(100_000):
                recorder.record(
                    tenant_id,
                    "workflow_runs",
                    timestamp=START + timedelta(milliseconds=i * 50),
                    package_id="pkg_sdk_slack_notify" if i % 4 == 0 else None,
                )
        assert (recorder.stats.accepted, recorder.stats.rejected, recorder.stats.failed) == (100_000, [], 0)
        # Metrics that do not add up: a month of storage readings is its peak, of active users the
        # distinct ones (the generated price book: storage_gb max, active_users unique_count of user_id).
        for n, gb in enumerate(("10", "30.5", "20")):
            admin.usage.record(tenant_id, "storage_gb", gb, timestamp=START + timedelta(days=n))
        for n, user in enumerate(("u1", "u2", "u1")):
            admin.usage.record(
                tenant_id, "active_users", timestamp=START + timedelta(hours=n), properties={"user_id": user}
            )

        # Usage reads come from the serving snapshot, so run the real build that publishes it.
        from orchestration.run import run_build
        from tests.orchestration.conftest import use_home

        use_home(monkeypatch, live.home)
        summary = run_build()
        assert summary.success, summary.error

        usage = admin.usage.get(tenant_id, PERIOD)
        assert usage.event_count("workflow_runs") == 100_000
        assert usage.quantity("workflow_runs") == Decimal(100_000)
        by_package = {m.package_id: m.event_count for m in usage.metrics if m.metric == "workflow_runs"}
        assert by_package == {"pkg_sdk_slack_notify": 25_000, None: 75_000}
        others = {m.metric: (m.aggregation, m.event_count, m.quantity, m.quantity_sum) for m in usage.metrics}
        assert others["storage_gb"] == ("max", 3, Decimal("30.5"), Decimal("60.5"))
        assert others["active_users"] == ("unique_count", 3, Decimal(2), Decimal(3))
        assert [i.period for i in admin.invoices.list(tenant_id)] == [PERIOD]
