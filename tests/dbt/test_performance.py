"""A guard against a rating model that scans the events once per price or per tenant."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.dbt.benchmark_rating import build_warehouse
from tests.dbt.conftest import run_dbt

pytestmark = pytest.mark.slow

EVENTS = 1_000_000
# The full build takes ~5 s here for 1M events (and ~8 s for 10M); the budget leaves room for a busy
# shared machine while still failing on a model whose cost grows with prices x events.
BUDGET_SECONDS = 45


def test_a_million_events_are_rated_well_within_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", EVENTS)
    started = time.perf_counter()
    run_dbt(warehouse, tmp_path, monkeypatch=monkeypatch)
    elapsed = time.perf_counter() - started
    assert elapsed < BUDGET_SECONDS, f"dbt build took {elapsed:.1f} s for {EVENTS:,} events"
    rated = warehouse.rows("select sum(event_count) as events from intermediate.int_usage_aggregated_monthly")
    assert rated == [{"events": EVENTS}]  # every generated metric has a price: every event is rated once
