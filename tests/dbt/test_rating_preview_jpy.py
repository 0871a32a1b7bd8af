"""Preview mode (var atom_preview) on a JPY price book: zero minor units, activity from the usage file only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.conftest import Warehouse, event, price, run_dbt, usd_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    work_dir: Path = tmp_path_factory.mktemp("dbt_preview_jpy")
    wh = Warehouse.create(work_dir / "warehouse.duckdb")
    # The loader's minor_units is deliberately wrong: rounding follows the currency, not this column.
    wh.insert("price_book_settings", [usd_settings(currency="JPY", minor_units=2)])
    wh.insert(
        "price_book_metrics",
        [
            {"metric_id": "workflow_runs", "aggregation": "count", "property": None},
            {"metric_id": "seats", "aggregation": "max", "property": None},
        ],
    )
    wh.insert(
        "price_book_prices",
        [
            price("price_runs", "workflow_runs", "per_unit", unit_amount="2.5"),
            price("price_seats", "seats", "per_unit", unit_amount="100", minimum_amount="1000"),
        ],
    )
    wh.insert("price_book_plans", [{"plan_id": "team", "amount": Decimal("4900")}])
    # A preview knows no operational DB; a stray subscription must not turn into a plan fee.
    wh.insert(
        "operational_subscriptions",
        [
            {
                "subscription_id": "sub_1",
                "tenant_id": "ten_a",
                "plan_id": "team",
                "is_trial": False,
                "started_on": "2026-01-01",
                "ended_on": "2026-03-01",
            }
        ],
    )
    wh.insert(
        "usage_events",
        [
            event("e1", "ten_a", "workflow_runs", "2026-01-10 10:00:00"),
            event("e2", "ten_a", "workflow_runs", "2026-02-10 10:00:00"),
            event("e3", "ten_a", "workflow_runs", "2026-02-11 10:00:00"),
            event("e4", "ten_a", "workflow_runs", "2026-02-12 10:00:00"),
            event("e5", "ten_b", "seats", "2026-02-03 00:00:00", quantity="12"),
        ],
    )
    run_dbt(wh, work_dir, dbt_vars={"atom_preview": True}, monkeypatch=module_monkeypatch)
    return wh


def lines(warehouse: Warehouse, tenant_id: str, period: str) -> dict[str, dict[str, Any]]:
    rows = warehouse.rows(
        "select * from marts.fct_invoice_lines where tenant_id = ? and period = ?", [tenant_id, period]
    )
    return {row["price_id"] or row["plan_id"]: row for row in rows}


def test_yen_amounts_round_half_up_to_whole_yen(warehouse: Warehouse) -> None:
    january = lines(warehouse, "ten_a", "2026-01")
    february = lines(warehouse, "ten_a", "2026-02")
    assert january["price_runs"]["line_amount"] == Decimal(3)  # 1 x 2.5 -> 3
    assert february["price_runs"]["line_amount"] == Decimal(8)  # 3 x 2.5 = 7.5 -> 8
    assert january["price_runs"]["currency"] == "jpy"
    assert january["price_runs"]["minor_units"] == 0


def test_preview_makes_every_usage_tenant_active_in_every_usage_month(warehouse: Warehouse) -> None:
    # ten_b has no usage in January, yet the preview counts it active there: the seats minimum applies.
    january_b = lines(warehouse, "ten_b", "2026-01")
    assert set(january_b) == {"price_seats"}
    assert january_b["price_seats"]["quantity"] == Decimal(0)
    assert january_b["price_seats"]["line_amount"] == Decimal(1000)
    # 12 seats x 100 = 1200 is above the minimum.
    assert lines(warehouse, "ten_b", "2026-02")["price_seats"]["line_amount"] == Decimal(1200)
    # ten_a owes the seats minimum in both months.
    assert lines(warehouse, "ten_a", "2026-01")["price_seats"]["line_amount"] == Decimal(1000)


def test_preview_charges_no_plan_fees(warehouse: Warehouse) -> None:
    assert warehouse.rows("select count(*) as n from marts.fct_invoice_lines where kind = 'recurring'") == [
        {"n": 0}
    ]


def test_preview_invoices_cover_each_usage_tenant_and_month(warehouse: Warehouse) -> None:
    invoices = warehouse.rows(
        "select tenant_id, period, total_amount from marts.fct_invoices order by tenant_id, period"
    )
    assert invoices == [
        {"tenant_id": "ten_a", "period": "2026-01", "total_amount": Decimal(1003)},
        {"tenant_id": "ten_a", "period": "2026-02", "total_amount": Decimal(1008)},
        {"tenant_id": "ten_b", "period": "2026-01", "total_amount": Decimal(1000)},
        {"tenant_id": "ten_b", "period": "2026-02", "total_amount": Decimal(1200)},
    ]
