"""The non-rating marts: tenants, packages, activity, usage per day, ingest reconciliation, revenue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.dbt.conftest import Warehouse, event, price, run_dbt, usd_settings

pytestmark = pytest.mark.slow

TODAY = date.today()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    work_dir: Path = tmp_path_factory.mktemp("dbt_marts")
    wh = Warehouse.create(work_dir / "warehouse.duckdb")
    wh.insert("price_book_settings", [usd_settings()])
    wh.insert(
        "price_book_metrics",
        [
            {"metric_id": "workflow_runs", "aggregation": "count", "property": None},
            {"metric_id": "unpriced_metric", "aggregation": "count", "property": None},
        ],
    )
    wh.insert(
        "price_book_prices",
        [
            price("price_runs", "workflow_runs", "per_unit", unit_amount="1"),
            price(
                "price_runs_pkg",
                "workflow_runs",
                "per_unit",
                unit_amount="2",
                package_id="pkg_a",
                revenue_share="0.5",
            ),
        ],
    )
    wh.insert(
        "price_book_plans",
        [{"plan_id": "team", "amount": Decimal("49")}, {"plan_id": "business", "amount": Decimal("499")}],
    )
    wh.insert(
        "operational_publishers",
        [
            {"publisher_id": "pub_acme", "name": "Acme", "created_at": "2024-01-01 00:00:00"},
        ],
    )
    wh.insert(
        "operational_packages",
        [
            {
                "package_id": "pkg_a",
                "name": "slack-notify",
                "publisher_id": "pub_acme",
                "category": "chat",
                "created_at": "2024-01-01 00:00:00",
            },
        ],
    )
    wh.insert(
        "operational_package_versions",
        [
            {
                "package_id": "pkg_a",
                "version": "1.0.0",
                "status": "approved",
                "published_at": "2025-01-01 00:00:00",
            },
            {
                "package_id": "pkg_a",
                "version": "1.1.0",
                "status": "approved",
                "published_at": "2025-02-01 00:00:00",
            },
            {
                "package_id": "pkg_a",
                "version": "2.0.0",
                "status": "rejected",
                "published_at": "2025-03-01 00:00:00",
            },
        ],
    )
    wh.insert(
        "operational_tenants",
        [
            {
                "tenant_id": t,
                "name": t.upper(),
                "segment": "smb",
                "country": "DE",
                "created_at": "2024-12-01 00:00:00",
            }
            for t in ("ten_1", "ten_2", "ten_3", "ten_zero", "ten_open")
        ],
    )
    wh.insert(
        "operational_tenant_events",
        [
            {"tenant_id": "ten_1", "state": "trialing", "occurred_at": "2025-01-01 00:00:00"},
            {"tenant_id": "ten_1", "state": "churned", "occurred_at": "2025-04-01 00:00:00"},
            {"tenant_id": "ten_1", "state": "active", "occurred_at": "2025-01-15 00:00:00"},
        ],
    )
    wh.insert(
        "operational_subscriptions",
        [
            {
                "subscription_id": "sub_old",
                "tenant_id": "ten_open",
                "plan_id": "business",
                "is_trial": False,
                "started_on": TODAY - timedelta(days=40),
                "ended_on": TODAY - timedelta(days=5),
            },
            {
                "subscription_id": "sub_now",
                "tenant_id": "ten_open",
                "plan_id": "team",
                "is_trial": False,
                "started_on": TODAY - timedelta(days=5),
                "ended_on": None,
            },
        ],
    )
    wh.insert(
        "usage_events",
        [
            event("e1", "ten_1", "workflow_runs", "2025-01-05 10:00:00", package_id="pkg_a"),
            event("e2", "ten_1", "workflow_runs", "2025-01-05 23:00:00", quantity="3", package_id="pkg_a"),
            event("e3", "ten_2", "workflow_runs", "2025-01-20 10:00:00"),
            event("e4", "ten_1", "workflow_runs", "2025-02-02 10:00:00"),
            event("e5", "ten_1", "workflow_runs", "2025-03-02 10:00:00"),
            event("e6", "ten_3", "workflow_runs", "2025-03-02 10:00:00"),
            event("e7", "ten_zero", "unpriced_metric", "2025-03-09 10:00:00"),
        ],
    )
    wh.insert(
        "ingest_batches",
        [
            {
                "batch_id": "batch_1",
                "source_uri": "file:///a.ndjson",
                "file_format": "ndjson",
                "landing_date": "2025-01-06",
                "received": 10,
                "loaded": 8,
                "duplicates": 1,
                "quarantined": 1,
                "loaded_at": "2025-01-06 01:00:00",
            },
            {
                "batch_id": "batch_2",
                "source_uri": "file:///b.csv",
                "file_format": "csv",
                "landing_date": "2025-01-07",
                "received": 5,
                "loaded": 3,
                "duplicates": 0,
                "quarantined": 1,
                "loaded_at": "2025-01-07 01:00:00",
            },
        ],
    )
    wh.insert(
        "usage_quarantine",
        [
            {
                "batch_id": "batch_1",
                "source_row_number": 4,
                "event_id": "x",
                "tenant_id": "ten_1",
                "reason": "bad_timestamp",
                "detail": None,
                "raw_record": "{}",
                "quarantined_at": "2025-01-06 01:00:00",
            },
            {
                "batch_id": "batch_2",
                "source_row_number": 1,
                "event_id": "y",
                "tenant_id": "ten_1",
                "reason": "bad_timestamp",
                "detail": None,
                "raw_record": "{}",
                "quarantined_at": "2025-01-07 01:00:00",
            },
            {
                "batch_id": "batch_2",
                "source_row_number": 2,
                "event_id": "z",
                "tenant_id": "ten_1",
                "reason": "unknown_metric",
                "detail": None,
                "raw_record": "{}",
                "quarantined_at": "2025-01-07 01:00:00",
            },
        ],
    )
    run_dbt(wh, work_dir, monkeypatch=module_monkeypatch)
    return wh


def test_dim_tenants_shows_latest_state_and_plan_held_today(warehouse: Warehouse) -> None:
    tenants = {row["tenant_id"]: row for row in warehouse.rows("select * from marts.dim_tenants")}
    assert tenants["ten_1"]["current_state"] == "churned"
    assert tenants["ten_1"]["current_plan_id"] is None
    assert tenants["ten_open"]["current_plan_id"] == "team"
    assert tenants["ten_open"]["name"] == "TEN_OPEN"


def test_dim_packages_latest_version_is_the_latest_approved(warehouse: Warehouse) -> None:
    assert warehouse.rows("select * from marts.dim_packages") == [
        {
            "package_id": "pkg_a",
            "name": "slack-notify",
            "publisher_id": "pub_acme",
            "publisher_name": "Acme",
            "category": "chat",
            "latest_version": "1.1.0",
        }
    ]


def test_active_tenants_monthly_counts_new_paying_and_churned(warehouse: Warehouse) -> None:
    months = {
        row["period"]: (
            row["active_tenants"],
            row["paying_tenants"],
            row["new_tenants"],
            row["churned_tenants"],
        )
        for row in warehouse.rows("select * from marts.fct_active_tenants_monthly")
    }
    assert months["2025-01"] == (2, 2, 2, 0)  # ten_1, ten_2 new and paying
    assert months["2025-02"] == (1, 1, 0, 1)  # ten_2 churned
    assert months["2025-03"] == (3, 2, 2, 0)  # ten_3 and ten_zero new; ten_zero's usage has no price
    assert months["2025-04"] == (0, 0, 0, 3)  # a month nobody was active in is kept, showing the churn


def test_open_subscription_is_billed_through_the_current_month(warehouse: Warehouse) -> None:
    current_period = TODAY.strftime("%Y-%m")
    plans = warehouse.rows(
        "select plan_id from marts.fct_invoice_lines where tenant_id = 'ten_open' and period = ? and kind = 'recurring'",
        [current_period],
    )
    assert {"plan_id": "team"} in plans


def test_usage_daily_counts_and_sums_per_day(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select event_count, quantity from marts.fct_usage_daily where tenant_id = 'ten_1' and usage_date = '2025-01-05'"
    )
    assert rows == [{"event_count": 2, "quantity": Decimal(4)}]


def test_ingest_batches_flag_reconciliation(warehouse: Warehouse) -> None:
    rows = warehouse.rows("select batch_id, is_reconciled from marts.fct_ingest_batches order by batch_id")
    assert rows == [
        {"batch_id": "batch_1", "is_reconciled": True},
        {"batch_id": "batch_2", "is_reconciled": False},
    ]


def test_quarantine_is_counted_per_landing_day_and_reason(warehouse: Warehouse) -> None:
    rows = warehouse.rows("select * from marts.fct_quarantine_by_reason order by landing_date, reason")
    assert rows == [
        {"landing_date": date(2025, 1, 6), "reason": "bad_timestamp", "quarantined": 1},
        {"landing_date": date(2025, 1, 7), "reason": "bad_timestamp", "quarantined": 1},
        {"landing_date": date(2025, 1, 7), "reason": "unknown_metric", "quarantined": 1},
    ]


def test_revenue_monthly_splits_partner_and_platform_by_package(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select package_id, publisher_id, tenant_count, line_amount, partner_payout_amount, platform_fee_amount "
        "from marts.fct_revenue_monthly where period = '2025-01' order by package_id nulls last"
    )
    assert rows == [
        # ten_1: 2 runs of pkg_a x 2.00 = 4.00, half to the partner
        {
            "package_id": "pkg_a",
            "publisher_id": "pub_acme",
            "tenant_count": 1,
            "line_amount": Decimal("4"),
            "partner_payout_amount": Decimal("2"),
            "platform_fee_amount": Decimal("2"),
        },
        # ten_2: 1 platform run x 1.00
        {
            "package_id": None,
            "publisher_id": None,
            "tenant_count": 1,
            "line_amount": Decimal("1"),
            "partner_payout_amount": Decimal("0"),
            "platform_fee_amount": Decimal("1"),
        },
    ]
