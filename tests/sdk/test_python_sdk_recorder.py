"""The batching recorders over a scripted transport: batch sizes, background flushes, flush on exit,
errors that surface, and rejected events traced back to their ids."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time

import httpx
import pytest
from atom_sdk import AsyncClient, Client, RecorderError, RetryPolicy
from atom_sdk.ids import new_event_id, ulid_timestamp_ms


class FakeIntake:
    """Accepts every batch, remembers each, optionally rejects given event indexes or answers a status."""

    def __init__(self, status: int = 202, reject: tuple[int, ...] = ()) -> None:
        self.batches: list[list[dict]] = []
        self.status = status
        self.reject = reject
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        events = json.loads(request.content)
        with self.lock:
            self.batches.append(events)
        if self.status != 202:
            return httpx.Response(self.status, json={"detail": "tenant ten_x is not yours"})
        errors = [{"index": i, "reason": "unknown_metric"} for i in self.reject if i < len(events)]
        return httpx.Response(
            202,
            json={
                "accepted": len(events) - len(errors),
                "duplicates": 0,
                "rejected": len(errors),
                "errors": errors,
            },
        )


def client_for(intake: FakeIntake) -> Client:
    return Client(
        "k",
        base_url="http://api.test",
        transport=httpx.MockTransport(intake),
        retry=RetryPolicy(max_retries=0),
    )


def test_events_go_out_in_full_batches_and_the_rest_on_exit() -> None:
    intake = FakeIntake()
    with client_for(intake).usage.recorder(batch_size=100, flush_interval=30) as recorder:
        ids = [recorder.record("ten_acme", "workflow_runs") for _ in range(250)]
    assert [len(b) for b in intake.batches] == [100, 100, 50]
    assert [e["id"] for b in intake.batches for e in b] == ids
    assert recorder.stats.accepted == 250 and recorder.stats.batches == 3


def test_a_partial_batch_is_flushed_in_the_background_after_the_interval() -> None:
    intake = FakeIntake()
    with client_for(intake).usage.recorder(batch_size=1000, flush_interval=0.1) as recorder:
        recorder.record("ten_acme", "workflow_runs")
        deadline = time.monotonic() + 3
        while not intake.batches and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [len(b) for b in intake.batches] == [1]


def test_flush_waits_until_the_api_has_answered() -> None:
    intake = FakeIntake()
    with client_for(intake).usage.recorder(batch_size=1000, flush_interval=30) as recorder:
        recorder.record("ten_acme", "workflow_runs", 2)
        recorder.flush()
        assert recorder.stats.accepted == 1


def test_a_batch_the_api_refuses_surfaces_as_recorder_error_with_its_events_kept() -> None:
    intake = FakeIntake(status=403)
    with pytest.raises(RecorderError, match="tenant ten_x is not yours") as caught:  # noqa: SIM117
        with client_for(intake).usage.recorder(batch_size=10, flush_interval=30) as recorder:
            for _ in range(5):
                recorder.record("ten_x", "workflow_runs")
    assert caught.value.failed_events == 5
    assert len(recorder.failed_batches) == 1 and len(recorder.failed_batches[0]) == 5


def test_record_raises_once_a_background_batch_has_failed() -> None:
    intake = FakeIntake(status=403)
    recorder = client_for(intake).usage.recorder(batch_size=1, flush_interval=30).start()
    recorder.record("ten_x", "workflow_runs")
    deadline = time.monotonic() + 3
    with pytest.raises(RecorderError):
        while time.monotonic() < deadline:
            recorder.record("ten_x", "workflow_runs")
            time.sleep(0.01)


def test_rejected_events_are_reported_by_their_ids() -> None:
    intake = FakeIntake(reject=(1,))
    with client_for(intake).usage.recorder(batch_size=3, flush_interval=30) as recorder:
        ids = [recorder.record("ten_acme", "workflow_runs") for _ in range(3)]
    assert [(r.event_id, r.reason) for r in recorder.stats.rejected] == [(ids[1], "unknown_metric")]
    assert recorder.stats.accepted == 2


def test_events_keep_decimal_quantities_and_utc_timestamps_on_the_wire() -> None:
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    intake = FakeIntake()
    paris = timezone(timedelta(hours=2))
    with client_for(intake).usage.recorder(batch_size=10, flush_interval=30) as recorder:
        recorder.record(
            "ten_acme",
            "compute_seconds",
            Decimal("0.000001"),
            timestamp=datetime(2026, 10, 3, 14, tzinfo=paris),
        )
        recorder.record("ten_acme", "compute_seconds", 0.1, package_id="pkg_x", properties={"user_id": "u1"})
    first, second = intake.batches[0]
    assert first["quantity"] == "0.000001" and first["timestamp"] == "2026-10-03T12:00:00.000Z"
    assert (
        second["quantity"] == "0.1"
        and second["package_id"] == "pkg_x"
        and second["properties"] == {"user_id": "u1"}
    )


def test_negative_quantities_are_refused_before_they_are_queued() -> None:
    with client_for(FakeIntake()).usage.recorder() as recorder, pytest.raises(ValueError, match=">= 0"):
        recorder.record("ten_acme", "workflow_runs", -1)


def test_event_ids_are_unique_time_ordered_ulids() -> None:
    ids = [new_event_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"evt_[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)
    assert abs(ulid_timestamp_ms(ids[0]) - time.time() * 1000) < 5_000
    assert [ulid_timestamp_ms(i) for i in ids] == sorted(ulid_timestamp_ms(i) for i in ids)


def test_the_async_recorder_batches_and_flushes_on_exit() -> None:
    intake = FakeIntake()

    async def main() -> None:
        async with AsyncClient(
            "k", base_url="http://api.test", transport=httpx.MockTransport(intake)
        ) as client:
            async with client.usage.recorder(batch_size=100, flush_interval=30) as recorder:
                for _ in range(250):
                    await recorder.record("ten_acme", "workflow_runs")
            assert recorder.stats.accepted == 250

    asyncio.run(main())
    assert [len(b) for b in intake.batches] == [100, 100, 50]


def test_the_async_recorder_surfaces_a_failed_batch() -> None:
    intake = FakeIntake(status=401)

    async def main() -> None:
        client = AsyncClient("k", base_url="http://api.test", transport=httpx.MockTransport(intake))
        async with client, client.usage.recorder(batch_size=10, flush_interval=30) as recorder:
            await recorder.record("ten_acme", "workflow_runs")

    with pytest.raises(RecorderError, match="401"):
        asyncio.run(main())
