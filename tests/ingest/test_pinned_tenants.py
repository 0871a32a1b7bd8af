"""No byte sequence sent with tenant A's key adds usage to tenant B (issue 11, finding 1), and the worst
legal values keep every later build alive (finding 2).

Per shape of the security review (bare CR, control byte, repeated key, escaped repeated key, trailing comma):
the attacker posts through the API with its own key, the landed batch is loaded by the real loader, and
the victim has no usage from it. Then all shapes, and the largest legal quantities, go through a real
build of a generated marketplace: the victim's usage marts are unchanged and the build succeeds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import orjson
import pytest

from atom.settings import Settings
from billing.price_book import parse_price_book
from ingest.loader import load_files
from ingest.price_book_tables import write_price_book_tables
from ingest.raw_schema import create_raw_schema
from tests.api.conftest import PRICE_BOOK, TENANTS, make_client, seed_world
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)

ATTACKER, VICTIM = "ten_acme", "ten_beta"


def shapes(attacker: str, victim: str, stamp: str) -> dict[str, bytes]:
    event = (
        f'"metric":"workflow_runs","quantity":"1000","timestamp":"{stamp}"'  # what the victim would pay for
    )
    return {
        "bare_cr": f'{{"id":"a1","tenant_id":"{attacker}",{event}}}\r{{"id":"b1","tenant_id":"{victim}",{event}}}'.encode(),
        "nul_byte": f'{{"id":"a2","tenant_id":"{victim}",{event}}}'.encode().replace(b"{", b"{\x00", 1),
        "control_byte": f'{{"id":"a3","tenant_id":"{victim}",{event}}}\x01'.encode(),
        "repeated_key": f'{{"id":"a4","tenant_id":"{attacker}",{event},"tenant_id":"{victim}"}}'.encode(),
        "escaped_repeated_key": (
            f'{{"id":"a5","tenant_id":"{victim}",{event},"tenant\\u005fid":"{attacker}"}}'.encode()
        ),
        "trailing_comma": f'{{"id":"a6","tenant_id":"{victim}",{event},}}'.encode(),
    }


def today_stamp() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


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


@pytest.mark.parametrize("shape", sorted(shapes("a", "b", "t")))
def test_a_tenant_key_cannot_land_usage_for_another_tenant(
    shape: str, tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    from tests.api.conftest import make_settings

    world = seed_world(make_settings(tmp_path / "home"))
    line = shapes(ATTACKER, VICTIM, today_stamp())[shape]
    with make_client(world.settings) as client:
        response = client.post(
            "/v1/usage",
            headers={**world.auth(ATTACKER), "Content-Type": "application/x-ndjson"},
            content=line + b"\n",
        )
    assert response.status_code in (202, 403), response.text
    landed = sorted(p for p in world.settings.landing_dir.rglob("*.ndjson"))
    results = load_files(warehouse, landed)
    assert all(r.is_reconciled for r in results)
    victim_rows = warehouse.execute(
        "SELECT count(*) FROM raw.usage_events WHERE tenant_id = ?", [VICTIM]
    ).fetchone()
    assert victim_rows == (0,)
    if response.status_code == 202:
        # What the API answered rejected is quarantined, never loaded, under any tenant.
        assert response.json()["accepted"] == results[0].loaded


def test_a_pinned_batch_quarantines_rows_naming_another_tenant(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    from ingest.landing import Manifest, manifest_path

    path = tmp_path / "pinned.ndjson"
    stamp = today_stamp()
    path.write_bytes(
        orjson.dumps(
            {"id": "x", "tenant_id": VICTIM, "metric": "workflow_runs", "quantity": "1", "timestamp": stamp}
        )
        + b"\n"
        + orjson.dumps(
            {"id": "y", "tenant_id": ATTACKER, "metric": "workflow_runs", "quantity": "1", "timestamp": stamp}
        )
        + b"\n"
    )
    manifest_path(path).write_bytes(Manifest(ATTACKER, datetime.now(UTC)).encode())
    (result,) = load_files(warehouse, [path])
    assert (result.loaded, result.quarantine_reasons) == (1, {"tenant_mismatch": 1})


# -- a real build ----------------------------------------------------------------------------------------------


def _usage(settings: Settings, tenant: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.serving_path), read_only=True) as conn:
        return conn.execute(
            "SELECT usage_date, package_id, metric_id, event_count, quantity FROM marts.fct_usage_daily"
            " WHERE tenant_id = ? ORDER BY ALL",
            [tenant],
        ).fetchall()


def test_after_a_build_the_victims_usage_is_unchanged_and_the_worst_legal_values_rate(
    billing_home: Settings,  # noqa: F811
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from atom import clock
    from atom.opdb import Tenant, make_engine
    from orchestration.run import run_build

    # billing_home: a copy of the run's built small marketplace.
    engine = make_engine(billing_home.database_url)
    with Session(engine) as session:
        attacker, victim = list(session.scalars(select(Tenant.id).order_by(Tenant.id).limit(2)))
    engine.dispose()
    before = _usage(billing_home, victim)

    world = seed_world_keys(billing_home, attacker)
    stamp = (clock.now(billing_home) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    metric = "workflow_runs"
    with make_client(billing_home) as client:
        for line in shapes(attacker, victim, stamp).values():
            client.post(
                "/v1/usage",
                headers={**world, "Content-Type": "application/x-ndjson"},
                content=line.replace(b"workflow_runs", metric.encode()) + b"\n",
            )
        # The largest legal quantity, 10,000 times (the most one request may carry), twice.
        for batch in range(2):
            worst = [
                {
                    "id": f"worst-{batch}-{i}",
                    "tenant_id": attacker,
                    "metric": metric,
                    "quantity": "999999999999.999999999",
                    "timestamp": stamp,
                }
                for i in range(10_000)
            ]
            response = client.post("/v1/usage", headers=world, json=worst)
            assert response.json()["accepted"] == 10_000, response.text

    summary = run_build()
    assert summary.success, summary.error
    assert _usage(billing_home, victim) == before
    with duckdb.connect(str(billing_home.serving_path), read_only=True) as conn:
        (total,) = conn.execute(
            "SELECT sum(quantity) FROM marts.fct_usage_daily WHERE tenant_id = ? AND quantity > 10 ^ 12",
            [attacker],
        ).fetchone()
    assert total is not None and total >= 20_000 * 10**12 - 20_000


def seed_world_keys(settings: Settings, tenant: str) -> dict[str, str]:
    from atom.opdb import make_engine, session_scope
    from ingest.api.keys import create_api_key

    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            _row, secret = create_api_key(session, "tenant", tenant)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {secret}"}
