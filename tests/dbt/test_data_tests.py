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


def _build_events_and_watermark(
    warehouse: Warehouse, work_dir: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> None:
    # The events, their tests and the daily usage model whose watermark the key test reads (decision 0092).
    run_dbt(
        warehouse,
        work_dir,
        command=(
            "build",
            "--select",
            "stg_usage__events",
            "int_usage_aggregated_daily",
            "--exclude-resource-type",
            "unit_test",
            *extra,
        ),
        monkeypatch=monkeypatch,
    )


def _compiled_key_test(work_dir: Path) -> str:
    [path] = (work_dir / "target" / "compiled").rglob(
        "unique_combination_stg_usage__events_tenant_id__event_id.sql"
    )
    return path.read_text()


def test_an_incremental_build_checks_new_event_keys_against_every_loaded_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = _events_warehouse(
        tmp_path / "w",
        [
            event("e1", "ten_1", "workflow_runs", "2026-10-01 00:00:00"),
            event("e2", "ten_1", "workflow_runs", "2026-10-02 00:00:00"),
        ],
    )
    _build_events_and_watermark(warehouse, tmp_path / "first", monkeypatch)
    assert "repeated_hashes" in _compiled_key_test(tmp_path / "first")  # no watermark yet: the full check

    # A later batch: a new key, and the key of an event loaded before the last build. The incremental
    # build checks only the new batch's keys, but against every loaded event, so the repeat is caught.
    later = [
        event("e3", "ten_1", "workflow_runs", "2026-10-03 00:00:00"),
        event("e1", "ten_1", "compute_seconds", "2026-10-04 00:00:00"),
    ]
    warehouse.insert(
        "usage_events", [{**row, "batch_id": "batch_2", "loaded_at": "2026-03-02 00:00:00"} for row in later]
    )
    with pytest.raises(
        AssertionError, match=r"unique_combination_stg_usage__events_tenant_id__event_id.*fail"
    ):
        _build_events_and_watermark(warehouse, tmp_path / "second", monkeypatch)
    assert "new_hashes" in _compiled_key_test(tmp_path / "second")

    # --full-refresh checks every event, whatever the watermark.
    with pytest.raises(AssertionError, match=r"unique_combination_stg_usage__events.*fail"):
        _build_events_and_watermark(warehouse, tmp_path / "refresh", monkeypatch, "--full-refresh")
    assert "repeated_hashes" in _compiled_key_test(tmp_path / "refresh")
