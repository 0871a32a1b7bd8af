"""A real warehouse file per test, holding a small price book and two tenants."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from billing.price_book import parse_price_book
from ingest.price_book_tables import write_price_book_tables
from ingest.raw_schema import create_raw_schema

PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
  - {id: price_compute, metric: compute_seconds, billing_scheme: per_unit, unit_amount: "0.00001"}
"""
TENANTS = ("ten_acme", "ten_beta")
COLUMNS = ("id", "tenant_id", "metric", "quantity", "timestamp", "package_id", "properties")


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_raw_schema(conn)
    write_price_book_tables(conn, parse_price_book(PRICE_BOOK, source="test"), source_uri="test")
    conn.executemany(
        "INSERT INTO raw.operational_tenants VALUES (?, ?, NULL, NULL, ?)",
        [(t, t.title(), datetime(2026, 1, 1)) for t in TENANTS],
    )
    yield conn
    conn.close()


def event(**overrides: Any) -> dict[str, Any]:
    """A valid usage event (DESIGN 3.1); keyword arguments replace or (with None) keep fields."""
    base: dict[str, Any] = {
        "id": "evt_1",
        "tenant_id": "ten_acme",
        "metric": "workflow_runs",
        "quantity": "1",
        "timestamp": "2026-10-03T12:00:00Z",
        "package_id": "pkg_slack_notify",
        "properties": {},
    }
    base.update(overrides)
    return base


def write_ndjson(path: Path, records: list[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, records: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for r in records:
            writer.writerow(["" if r.get(c) is None else _text(r.get(c)) for c in columns])
    return path


def write_parquet(path: Path, records: list[dict[str, Any]]) -> Path:
    """All-string Parquet, as the demo generator writes it."""
    table = pa.table(
        {
            c: pa.array([None if r.get(c) is None else _text(r.get(c)) for r in records], pa.string())
            for c in COLUMNS
        }
    )
    pq.write_table(table, path)
    return path


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict) else str(value)
