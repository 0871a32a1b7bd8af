"""The project's own generic data tests catch what they exist to catch, on a real warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt.conftest import Warehouse, event, run_dbt


def _events_warehouse(tmp_path: Path, rows: list[dict]) -> Warehouse:
    tmp_path.mkdir()
    warehouse = Warehouse.create(tmp_path / "warehouse.duckdb")
    warehouse.insert("usage_events", rows)
    return warehouse


def _test_events(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dbt(
        warehouse,
        tmp_path,
        command=("build", "--select", "stg_usage__events", "--exclude-resource-type", "unit_test"),
        monkeypatch=monkeypatch,
    )


def test_unique_combination_fails_on_a_repeated_key_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distinct = [
        event("e1", "ten_1", "workflow_runs", "2026-10-01 00:00:00"),
        event("e1", "ten_2", "workflow_runs", "2026-10-01 00:00:00"),  # same id, another tenant: allowed
        event("e2", "ten_1", "workflow_runs", "2026-10-01 00:00:00"),
    ]
    _test_events(_events_warehouse(tmp_path / "ok", distinct), tmp_path / "ok", monkeypatch)

    # The loader never writes this; the test is the guard if it ever did.
    repeated = [*distinct, event("e2", "ten_1", "compute_seconds", "2026-10-02 00:00:00")]
    with pytest.raises(
        AssertionError, match=r"unique_combination_stg_usage__events_tenant_id__event_id.*fail"
    ):
        _test_events(_events_warehouse(tmp_path / "bad", repeated), tmp_path / "bad", monkeypatch)
