"""The rating engine on a USD price book: every scheme, tier edges, ties, free units, minimums, proration.

Every expected amount is worked out by hand from DESIGN 3.2 in the comment beside it.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.conftest import Warehouse, event, price, run_dbt, tier, usd_settings

pytestmark = pytest.mark.slow

JAN = "2026-01-15 12:00:00"
_ids = itertools.count(1)


def events(tenant_id: str, metric_id: str, count: int, **fields: Any) -> list[dict[str, Any]]:
    occurred_at = fields.pop("occurred_at", JAN)
    return [event(f"evt_{next(_ids)}", tenant_id, metric_id, occurred_at, **fields) for _ in range(count)]


METRICS: list[dict[str, Any]] = [
    {"metric_id": "workflow_runs", "aggregation": "count", "property": None},
    {"metric_id": "compute_seconds", "aggregation": "sum", "property": None},
    {"metric_id": "storage_gb", "aggregation": "max", "property": None},
    {"metric_id": "active_users", "aggregation": "unique_count", "property": "user_id"},
    {"metric_id": "api_calls", "aggregation": "count", "property": None},
    {"metric_id": "emails", "aggregation": "sum", "property": None},
    {"metric_id": "unpriced_metric", "aggregation": "count", "property": None},
]

PRICES = [
    price("price_runs", "workflow_runs", "tiered", tiers_mode="graduated"),
    price(
        "price_runs_slack",
        "workflow_runs",
        "per_unit",
        package_id="pkg_slack",
        unit_amount="0.125",
        revenue_share="0.70",
    ),
    price(
        "price_compute",
        "compute_seconds",
        "per_unit",
        unit_amount="0.01",
        transform_divide_by="60",
        transform_round="up",
    ),
    price(
        "price_storage",
        "storage_gb",
        "per_unit",
        unit_amount="0.1",
        transform_divide_by="10",
        transform_round="down",
    ),
    price("price_users", "active_users", "per_unit", unit_amount="1"),
    price("price_api", "api_calls", "tiered", tiers_mode="volume"),
    price("price_emails", "emails", "per_unit", unit_amount="0.01", free_units="100", minimum_amount="5"),
]

TIERS = [
    # Graduated: (0, 10] free, (10, 20] 0.50 each plus 5 flat once reached, (20, inf) 0.25 each.
    tier("price_runs", 0, "10", "0"),
    tier("price_runs", 1, "20", "0.5", flat_amount="5"),
    tier("price_runs", 2, None, "0.25"),
    # Volume: up to 5 -> 2 + 1.00 each; up to 10 -> 3 + 0.50 each; above -> 0.10 each.
    tier("price_api", 0, "5", "1", flat_amount="2"),
    tier("price_api", 1, "10", "0.5", flat_amount="3"),
    tier("price_api", 2, None, "0.1"),
]

SUBSCRIPTIONS: list[dict[str, Any]] = [
    # A mid-month upgrade: team for Jan 1-15 (15 days), business for Jan 16-31 (16 days).
    {
        "subscription_id": "sub_1",
        "tenant_id": "ten_plan",
        "plan_id": "team",
        "is_trial": False,
        "started_on": "2026-01-01",
        "ended_on": "2026-01-16",
    },
    {
        "subscription_id": "sub_2",
        "tenant_id": "ten_plan",
        "plan_id": "business",
        "is_trial": False,
        "started_on": "2026-01-16",
        "ended_on": "2026-02-01",
    },
    # A trial makes its tenant active (minimums apply) but carries no fee.
    {
        "subscription_id": "sub_3",
        "tenant_id": "ten_trial",
        "plan_id": "team",
        "is_trial": True,
        "started_on": "2026-01-01",
        "ended_on": "2026-02-01",
    },
]

USAGE = [
    *events("ten_grad_first_edge", "workflow_runs", 10),
    *events("ten_grad_11", "workflow_runs", 11),
    *events("ten_grad_edge", "workflow_runs", 20),
    *events("ten_grad_over", "workflow_runs", 21),
    *events("ten_vol_edge", "api_calls", 5),
    *events("ten_vol_over", "api_calls", 6),
    *events("ten_vol_high", "api_calls", 11),
    # Package scoping: pkg_slack has its own price; pkg_other and platform runs fall to the generic one.
    *events("ten_scope", "workflow_runs", 3, package_id="pkg_slack"),
    *events("ten_scope", "workflow_runs", 2, package_id="pkg_other"),
    *events("ten_scope", "workflow_runs", 1),
    *events("ten_tie", "workflow_runs", 1, package_id="pkg_slack"),
    *events("ten_compute", "compute_seconds", 2, quantity="30.5"),
    *events("ten_storage", "storage_gb", 1, quantity="15"),
    *events("ten_storage", "storage_gb", 1, quantity="29"),
    *events("ten_storage", "storage_gb", 1, quantity="3"),
    *events("ten_email_small", "emails", 1, quantity="50"),
    *events("ten_email_big", "emails", 1, quantity="1100"),
    *events("ten_users", "active_users", 1, properties='{"user_id": "u1"}'),
    *events("ten_users", "active_users", 1, properties='{"user_id": "u2"}'),
    *events("ten_users", "active_users", 1, properties='{"user_id": "u1", "extra": 1}'),
    *events("ten_users", "active_users", 1, properties='{"user_id": "u3"}'),
    *events("ten_users", "active_users", 1, properties="{}"),
    *events("ten_unpriced", "unpriced_metric", 4),
    # The last millisecond of January and the first instant of February (UTC).
    *events(
        "ten_boundary", "workflow_runs", 1, package_id="pkg_slack", occurred_at="2026-01-31 23:59:59.999"
    ),
    *events("ten_boundary", "workflow_runs", 1, package_id="pkg_slack", occurred_at="2026-02-01 00:00:00"),
    *events("ten_boundary", "workflow_runs", 2, package_id="pkg_slack", occurred_at="2026-02-10 08:00:00"),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    work_dir: Path = tmp_path_factory.mktemp("dbt_usd")
    wh = Warehouse.create(work_dir / "warehouse.duckdb")
    wh.insert("price_book_settings", [usd_settings()])
    wh.insert("price_book_metrics", METRICS)
    wh.insert("price_book_prices", PRICES)
    wh.insert("price_book_tiers", TIERS)
    wh.insert(
        "price_book_plans",
        [{"plan_id": "team", "amount": Decimal("49")}, {"plan_id": "business", "amount": Decimal("499")}],
    )
    wh.insert("operational_subscriptions", SUBSCRIPTIONS)
    wh.insert("usage_events", USAGE)
    run_dbt(wh, work_dir, monkeypatch=module_monkeypatch)
    return wh


def line(warehouse: Warehouse, tenant_id: str, key: str, period: str = "2026-01") -> dict[str, Any]:
    rows = warehouse.rows(
        "select * from marts.fct_invoice_lines where tenant_id = ? and period = ? and coalesce(price_id, plan_id) = ?",
        [tenant_id, period, key],
    )
    assert len(rows) == 1, f"expected one line for {tenant_id} {period} {key}, got {rows}"
    return rows[0]


@pytest.mark.parametrize(
    ("tenant_id", "runs", "amount"),
    [
        ("ten_grad_first_edge", 10, "0.00"),  # 10 is the top of the free tier: tier 2 not reached
        ("ten_grad_11", 11, "5.50"),  # tier 2 reached: flat 5 + 1 x 0.50
        ("ten_grad_edge", 20, "10.00"),  # 5 + 10 x 0.50; tier 3 not reached at exactly 20
        ("ten_grad_over", 21, "10.25"),  # one unit over the edge: 10 + 1 x 0.25
    ],
)
def test_graduated_tiers_charge_each_tier_reached_with_its_flat_amount(
    warehouse: Warehouse, tenant_id: str, runs: int, amount: str
) -> None:
    rated = line(warehouse, tenant_id, "price_runs")
    assert rated["quantity"] == Decimal(runs)
    assert rated["line_amount"] == Decimal(amount)


@pytest.mark.parametrize(
    ("tenant_id", "calls", "amount"),
    [
        ("ten_vol_edge", 5, "7.00"),  # exactly up_to 5: first tier, 2 + 5 x 1
        ("ten_vol_over", 6, "6.00"),  # second tier prices every unit: 3 + 6 x 0.50
        ("ten_vol_high", 11, "1.10"),  # last tier: 0 + 11 x 0.10
    ],
)
def test_volume_tiers_price_every_unit_at_the_tier_reached(
    warehouse: Warehouse, tenant_id: str, calls: int, amount: str
) -> None:
    rated = line(warehouse, tenant_id, "price_api")
    assert rated["quantity"] == Decimal(calls)
    assert rated["line_amount"] == Decimal(amount)


def test_package_specific_price_wins_and_generic_price_rates_the_rest(warehouse: Warehouse) -> None:
    slack = line(warehouse, "ten_scope", "price_runs_slack")
    generic = line(warehouse, "ten_scope", "price_runs")
    assert slack["quantity"] == Decimal(3)
    assert slack["package_id"] == "pkg_slack"
    assert slack["line_amount"] == Decimal("0.38")  # 3 x 0.125 = 0.375 -> 0.38
    assert slack["partner_payout_amount"] == Decimal("0.27")  # 0.38 x 0.70 = 0.266 -> 0.27
    assert slack["platform_fee_amount"] == Decimal("0.11")
    assert generic["quantity"] == Decimal(3)  # 2 runs of pkg_other + 1 platform run
    assert generic["package_id"] is None
    assert generic["partner_payout_amount"] == Decimal(0)


def test_rounding_tie_goes_half_up_for_line_and_payout(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_tie", "price_runs_slack")
    assert rated["line_amount"] == Decimal("0.13")  # 0.125 -> 0.13
    assert rated["partner_payout_amount"] == Decimal("0.09")  # 0.13 x 0.70 = 0.091 -> 0.09
    assert rated["platform_fee_amount"] == Decimal("0.04")


def test_transform_quantity_rounds_up_after_dividing(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_compute", "price_compute")
    assert rated["quantity"] == Decimal("61")  # sum of 30.5 + 30.5
    assert rated["billable_quantity"] == Decimal(2)  # ceil(61 / 60)
    assert rated["line_amount"] == Decimal("0.02")


def test_transform_quantity_rounds_down_on_the_max_aggregation(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_storage", "price_storage")
    assert rated["quantity"] == Decimal(29)  # max of 15, 29, 3
    assert rated["billable_quantity"] == Decimal(2)  # floor(29 / 10)
    assert rated["line_amount"] == Decimal("0.20")


def test_unique_count_counts_distinct_property_values(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_users", "price_users")
    assert rated["quantity"] == Decimal(3)  # u1, u2, u3; an event without user_id counts for nothing
    assert rated["line_amount"] == Decimal("3.00")


def test_minimum_applies_when_free_units_exceed_usage(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_email_small", "price_emails")
    assert rated["quantity"] == Decimal(50)
    assert rated["billable_quantity"] == Decimal(0)  # 50 - 100 free units, floored at 0
    assert rated["line_amount"] == Decimal("5.00")


def test_amount_above_minimum_is_kept(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_email_big", "price_emails")
    assert rated["billable_quantity"] == Decimal(1000)
    assert rated["line_amount"] == Decimal("10.00")  # (1100 - 100) x 0.01


def test_active_tenant_without_usage_of_a_minimum_price_owes_the_minimum(warehouse: Warehouse) -> None:
    rated = line(warehouse, "ten_grad_edge", "price_emails")
    assert rated["quantity"] == Decimal(0)
    assert rated["line_amount"] == Decimal("5.00")


def test_trial_subscription_makes_tenant_active_but_charges_no_fee(warehouse: Warehouse) -> None:
    lines = warehouse.rows(
        "select kind, price_id, line_amount from marts.fct_invoice_lines where tenant_id = 'ten_trial'"
    )
    assert lines == [{"kind": "usage", "price_id": "price_emails", "line_amount": Decimal("5.00")}]


def test_plan_change_mid_month_prorates_each_plan_by_days_held(warehouse: Warehouse) -> None:
    team = line(warehouse, "ten_plan", "team")
    business = line(warehouse, "ten_plan", "business")
    assert (team["kind"], team["quantity"], team["line_amount"]) == (
        "recurring",
        Decimal(15),
        Decimal("23.71"),
    )
    # 49 x 15 / 31 = 23.709... -> 23.71
    assert (business["quantity"], business["line_amount"]) == (Decimal(16), Decimal("257.55"))
    # 499 x 16 / 31 = 257.548... -> 257.55
    assert warehouse.rows(
        "select count(*) as n from marts.fct_invoice_lines where tenant_id = 'ten_plan' "
        "and kind = 'recurring' and period <> '2026-01'"
    ) == [{"n": 0}]


def test_last_millisecond_of_month_and_first_instant_of_next_fall_in_their_own_months(
    warehouse: Warehouse,
) -> None:
    assert line(warehouse, "ten_boundary", "price_runs_slack", "2026-01")["quantity"] == Decimal(1)
    assert line(warehouse, "ten_boundary", "price_runs_slack", "2026-02")["quantity"] == Decimal(3)


def test_events_without_a_price_are_not_rated(warehouse: Warehouse) -> None:
    lines = warehouse.rows("select price_id from marts.fct_invoice_lines where tenant_id = 'ten_unpriced'")
    assert lines == [{"price_id": "price_emails"}]  # only the minimum it owes as an active tenant


def test_invoice_total_is_the_sum_of_rounded_lines(warehouse: Warehouse) -> None:
    invoice = warehouse.rows(
        "select * from marts.fct_invoices where tenant_id = 'ten_scope' and period = '2026-01'"
    )
    assert len(invoice) == 1
    # 0.38 (pkg_slack) + 0.00 (generic, inside the free tier) + 5.00 (email minimum)
    assert invoice[0]["total_amount"] == Decimal("5.38")
    assert invoice[0]["usage_amount"] == Decimal("5.38")
    assert invoice[0]["recurring_amount"] == Decimal(0)
    assert invoice[0]["partner_payout_amount"] == Decimal("0.27")
    assert invoice[0]["line_count"] == 3
    plan_invoice = warehouse.rows(
        "select total_amount, recurring_amount from marts.fct_invoices "
        "where tenant_id = 'ten_plan' and period = '2026-01'"
    )
    assert plan_invoice == [{"total_amount": Decimal("286.26"), "recurring_amount": Decimal("281.26")}]


def test_every_invoice_total_equals_its_lines(warehouse: Warehouse) -> None:
    mismatches = warehouse.rows(
        """
        select i.tenant_id, i.period
        from marts.fct_invoices as i
        join (select tenant_id, period, sum(line_amount) as total from marts.fct_invoice_lines group by all) as l
            using (tenant_id, period)
        where i.total_amount <> l.total
        """
    )
    assert mismatches == []


def test_no_column_of_any_model_is_floating_point(warehouse: Warehouse) -> None:
    floating = warehouse.rows(
        """
        select table_schema, table_name, column_name, data_type
        from information_schema.columns
        where table_schema in ('staging', 'intermediate', 'marts')
          and (data_type in ('DOUBLE', 'FLOAT', 'REAL') or data_type like 'DECIMAL(%,0)' and column_name like '%amount%')
        """
    )
    assert floating == []


def test_marts_use_the_contract_money_and_quantity_types(warehouse: Warehouse) -> None:
    types = {
        row["column_name"]: row["data_type"]
        for row in warehouse.rows(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_invoice_lines'"
        )
    }
    assert types["line_amount"] == "DECIMAL(38,6)"
    assert types["partner_payout_amount"] == "DECIMAL(38,6)"
    assert types["quantity"] == "DECIMAL(38,9)"
    assert types["period_start_date"] == "DATE"
