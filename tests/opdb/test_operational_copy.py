from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from atom.opdb import (
    Package,
    PackageVersion,
    Publisher,
    Subscription,
    Tenant,
    TenantEvent,
    make_engine,
    migrate,
    session_scope,
)
from ingest.operational import copy_operational_tables

OPERATIONAL_TABLES = [
    "operational_publishers",
    "operational_packages",
    "operational_package_versions",
    "operational_tenants",
    "operational_subscriptions",
    "operational_tenant_events",
]

# The marketplace core; other areas (billing, registry) copy more tables, empty in these worlds.
CORE_COPIED = {
    "operational_publishers",
    "operational_packages",
    "operational_package_versions",
    "operational_tenants",
    "operational_subscriptions",
    "operational_tenant_events",
}


@pytest.fixture
def database_url(database_url: str) -> str:
    """The plugin's fresh database (SQLite and PostgreSQL, tests/pg.py) with a small marketplace in it."""
    url = database_url
    migrate(url)
    with session_scope(make_engine(url)) as s:
        s.add(Publisher(id="pub_acme", name="Acme", created_at=datetime(2025, 1, 1, 12)))
        s.add(
            Package(
                id="pkg_slack_notify",
                name="slack-notify",
                publisher_id="pub_acme",
                category="notifications",
                description="Post to Slack",
                created_at=datetime(2025, 1, 2),
            )
        )
        s.add_all(
            [
                PackageVersion(
                    package_id="pkg_slack_notify",
                    version="1.0.0",
                    status="yanked",
                    published_at=datetime(2025, 1, 3),
                ),
                PackageVersion(
                    package_id="pkg_slack_notify",
                    version="1.1.0",
                    status="approved",
                    published_at=datetime(2025, 2, 3),
                    sha256="ab" * 32,
                ),
            ]
        )
        s.add(
            Tenant(
                id="ten_acme", name="Acme Corp", segment="smb", country="DE", created_at=datetime(2025, 3, 1)
            )
        )
        s.add_all(
            [
                Subscription(
                    id="sub_1",
                    tenant_id="ten_acme",
                    plan_id="team",
                    is_trial=True,
                    started_on=date(2025, 3, 1),
                    ended_on=date(2025, 3, 15),
                ),
                Subscription(
                    id="sub_2",
                    tenant_id="ten_acme",
                    plan_id="business",
                    is_trial=False,
                    started_on=date(2025, 3, 15),
                ),
                TenantEvent(tenant_id="ten_acme", state="trialing", occurred_at=datetime(2025, 3, 1)),
                TenantEvent(tenant_id="ten_acme", state="active", occurred_at=datetime(2025, 3, 15, 6, 30)),
            ]
        )
    return url


def test_copy_fills_every_operational_raw_table_and_counts_rows(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    counts = copy_operational_tables(conn, database_url)
    core = {k: v for k, v in counts.items() if k in CORE_COPIED}
    assert core == {
        "operational_publishers": 1,
        "operational_packages": 1,
        "operational_package_versions": 2,
        "operational_tenants": 1,
        "operational_subscriptions": 2,
        "operational_tenant_events": 2,
    }
    for table, expected in counts.items():
        assert conn.execute(f"select count(*) from raw.{table}").fetchone() == (expected,)


def test_copied_values_keep_their_types(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    copy_operational_tables(conn, database_url)
    assert conn.execute(
        "select subscription_id, plan_id, is_trial, started_on, ended_on from raw.operational_subscriptions "
        "order by started_on"
    ).fetchall() == [
        ("sub_1", "team", True, date(2025, 3, 1), date(2025, 3, 15)),
        ("sub_2", "business", False, date(2025, 3, 15), None),
    ]
    assert conn.execute(
        "select state, occurred_at from raw.operational_tenant_events order by 2"
    ).fetchall() == [
        ("trialing", datetime(2025, 3, 1)),
        ("active", datetime(2025, 3, 15, 6, 30)),
    ]
    assert conn.execute(
        "select package_id, name, publisher_id, category from raw.operational_packages"
    ).fetchall() == [("pkg_slack_notify", "slack-notify", "pub_acme", "notifications")]


def test_a_second_copy_replaces_rows_instead_of_appending(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    copy_operational_tables(conn, database_url)
    with session_scope(make_engine(database_url)) as s:
        s.add(Tenant(id="ten_beta", name="Beta", created_at=datetime(2025, 4, 1)))
    counts = copy_operational_tables(conn, database_url)
    assert counts["operational_tenants"] == 2
    assert conn.execute("select count(*) from raw.operational_tenants").fetchone() == (2,)
    assert conn.execute("select count(*) from raw.operational_subscriptions").fetchone() == (2,)


def test_an_empty_operational_db_empties_the_raw_tables(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    copy_operational_tables(conn, database_url)
    empty_url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(empty_url)
    counts = copy_operational_tables(conn, empty_url)
    assert set(counts) >= set(OPERATIONAL_TABLES)
    assert all(n == 0 for n in counts.values())
    assert conn.execute("select count(*) from raw.operational_tenants").fetchone() == (0,)


def test_a_failed_copy_leaves_the_previous_copy_whole(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    copy_operational_tables(conn, database_url)

    def fail_after_first_table(table: str, rows: int) -> None:
        raise RuntimeError(f"interrupted after {table}")

    empty_url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(empty_url)
    with pytest.raises(RuntimeError, match="interrupted"):
        copy_operational_tables(conn, empty_url, on_table=fail_after_first_table)
    assert conn.execute("select count(*) from raw.operational_publishers").fetchone() == (1,)


def test_partial_payments_reach_the_warehouse_as_paid_amount_and_dated_payments(
    tmp_path: Path, database_url: str
) -> None:
    """Decision 0703: 30.00 then 44.03 paid on a 74.03 invoice, each row dated when Stripe reported it; a
    warehouse created before paid_amount existed gets the column added in place."""
    from decimal import Decimal

    from atom.opdb.billing import Invoice, InvoicePayment

    with session_scope(make_engine(database_url)) as s:
        s.add(
            Invoice(
                number="ATOM-202503-00001",
                document_type="invoice",
                tenant_id="ten_acme",
                period="2025-03",
                status="paid",
                currency="usd",
                minor_units=2,
                total_minor=7403,
                issued_on=date(2025, 4, 1),
                due_on=date(2025, 5, 1),
                content_hash="0" * 64,
                finalized_at=datetime(2025, 4, 1, 1),
                status_changed_at=datetime(2025, 5, 2, 9),
                amount_paid_minor=7403,
            )
        )
        s.flush()
        s.add_all(
            [
                InvoicePayment(
                    invoice_number="ATOM-202503-00001",
                    amount_minor=3000,
                    paid_at=datetime(2025, 4, 20, 9),
                    stripe_event_id="evt_1",
                    recorded_at=datetime(2025, 4, 20, 9, 0, 1),
                ),
                InvoicePayment(
                    invoice_number="ATOM-202503-00001",
                    amount_minor=4403,
                    paid_at=datetime(2025, 5, 2, 9),
                    stripe_event_id="evt_2",
                    recorded_at=datetime(2025, 5, 2, 9, 0, 1),
                ),
            ]
        )
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    # The invoices table as it was before decision 0703: no paid_amount column.
    conn.execute("CREATE SCHEMA raw")
    conn.execute(
        "CREATE TABLE raw.operational_invoices (invoice_number VARCHAR NOT NULL, document_type VARCHAR NOT NULL,"
        " tenant_id VARCHAR NOT NULL, period VARCHAR NOT NULL, status VARCHAR NOT NULL, currency VARCHAR NOT NULL,"
        " minor_units INTEGER NOT NULL, total_amount DECIMAL(38, 6) NOT NULL, issued_on DATE NOT NULL,"
        " due_on DATE NOT NULL, finalized_at TIMESTAMP NOT NULL, status_changed_at TIMESTAMP,"
        " stripe_invoice_id VARCHAR)"
    )
    counts = copy_operational_tables(conn, database_url)
    assert counts["operational_invoice_payments"] == 2
    assert conn.execute(
        "select invoice_number, status, total_amount, paid_amount from raw.operational_invoices"
    ).fetchall() == [("ATOM-202503-00001", "paid", Decimal("74.03"), Decimal("74.03"))]
    assert conn.execute(
        "select invoice_number, tenant_id, currency, amount, paid_at, stripe_event_id"
        " from raw.operational_invoice_payments order by paid_at"
    ).fetchall() == [
        ("ATOM-202503-00001", "ten_acme", "usd", Decimal("30.00"), datetime(2025, 4, 20, 9), "evt_1"),
        ("ATOM-202503-00001", "ten_acme", "usd", Decimal("44.03"), datetime(2025, 5, 2, 9), "evt_2"),
    ]
