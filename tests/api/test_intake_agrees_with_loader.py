"""The API's per-event answer forecasts the loader's verdict: same counts, same reason for the same row.

Events go through POST /v1/usage, the landed files are loaded by the real loader into a real warehouse with
the same price book and tenants, and the two verdicts are compared row by row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from ingest.loader import load_file
from ingest.price_book import parse_price_book, write_price_book_tables
from ingest.raw_schema import create_raw_schema
from tests.api.conftest import PRICE_BOOK, TENANTS, World, event, landed_files

CASES: list[Any] = [
    event(id="plain"),
    event(id="number", quantity=1.5),
    event(id="int", quantity=3),
    event(id="exp", quantity="1e3"),
    event(id="spaces", quantity=" 2 "),
    event(id="zero", quantity="0"),
    event(id="nine_places", quantity="0.123456789"),
    event(id="ten_places", quantity="0.1234567891"),
    event(id="trailing_zeros", quantity="1.50000000000"),
    event(id="nan", quantity="NaN"),
    event(id="bool", quantity=True),
    event(id="neg", quantity=-2),
    event(id="huge", quantity="1" + "0" * 40),
    event(id="offset", timestamp="2026-10-03T14:00:00+02:00"),
    event(id="lower", timestamp="2026-10-03t12:00:00z"),
    event(id="nanos", timestamp="2026-10-03T12:00:00.123456789Z"),
    event(id="no_zone", timestamp="2026-10-03T12:00:00"),
    event(id="bad_day", timestamp="2026-02-30T00:00:00Z"),
    event(id="epoch", timestamp=1790000000),
    event(id="empty_metric", metric=""),
    event(id="no_tenant", tenant_id=None),
    event(id="ghost", tenant_id="ten_ghost"),
    event(id="coffee", metric="coffee"),
    event(id="props_list", properties=["a"]),
    event(id="props_null", properties=None),
    event(id="props_nested", properties={"user": {"id": 7}}),
    event(id="empty_package", package_id=""),
    event(id=12345),
    "not an object",
    event(id="plain"),  # an exact repeat within the request
    event(id="plain", quantity="5"),  # a conflicting repeat
    event(id="offset", timestamp="2026-10-03T12:00:00Z"),  # the same instant spelled in UTC: a duplicate
]


@pytest.fixture
def warehouse(tmp_path: Path):  # type: ignore[no-untyped-def]
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_raw_schema(conn)
    write_price_book_tables(conn, parse_price_book(PRICE_BOOK, source="test"), source_uri="test")
    conn.executemany(
        "INSERT INTO raw.operational_tenants VALUES (?, ?, NULL, NULL, ?)",
        [(t, t.title(), datetime(2026, 1, 1)) for t in TENANTS],
    )
    yield conn
    conn.close()


def loader_verdict(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[Any, dict[int, str]]:
    result = load_file(conn, path)
    reasons = dict(
        conn.execute(
            "SELECT source_row_number - 1, reason FROM raw.usage_quarantine WHERE batch_id = ?",
            [result.batch_id],
        ).fetchall()
    )
    return result, reasons


def test_every_event_gets_the_loaders_reason(client: TestClient, world: World, warehouse) -> None:  # type: ignore[no-untyped-def]
    body = client.post("/v1/usage", headers=world.auth("admin"), json=CASES).json()
    (path,) = landed_files(world.settings)
    result, reasons = loader_verdict(warehouse, path)
    assert {e["index"]: e["reason"] for e in body["errors"]} == reasons
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (
        result.loaded,
        result.duplicates,
        result.quarantined,
    )


def test_duplicates_across_requests_agree_with_the_loader(
    client: TestClient, world: World, warehouse
) -> None:  # type: ignore[no-untyped-def]
    first = [event(id=f"e{i}") for i in range(5)]
    second = [*first[:3], event(id="e3", quantity="9"), event(id="new")]
    client.post("/v1/usage", headers=world.auth("ten_acme"), json=first)
    body = client.post("/v1/usage", headers=world.auth("ten_acme"), json=second).json()
    paths = landed_files(world.settings)
    loader_verdict(warehouse, paths[0])
    result, reasons = loader_verdict(warehouse, paths[1])
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 3, 1)
    assert (result.loaded, result.duplicates, result.quarantined) == (1, 3, 1)
    assert {e["index"]: e["reason"] for e in body["errors"]} == reasons == {3: "duplicate_id_conflict"}
