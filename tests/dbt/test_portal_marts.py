"""The portal's marts (MRR cohorts, package performance, tenant activity) on a generated small marketplace,
checked against figures worked out here by hand from the raw tables the build loaded.

The run's one real build of the small marketplace (generate -> ingest -> dbt -> serving, ``built_home`` of
tests/billing/conftest.py), as of a pinned ATOM_TODAY, so the windows and months are repeatable whatever the
wall clock says. It is shared with other workers: every file is opened read-only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from atom.settings import Settings, reset_settings_cache
from tests.billing.conftest import built_home  # noqa: F401 (fixture)
from tests.orchestration.conftest import TODAY, use_home

pytestmark = pytest.mark.slow


def _rows(path: Path, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        cursor = conn.execute(sql, parameters or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def built(built_home: Path, module_monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:  # noqa: F811
    yield use_home(module_monkeypatch, built_home, today=TODAY)
    reset_settings_cache()


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1)


def _usage_by_tenant_day(settings: Settings) -> dict[str, dict[date, int]]:
    events: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rows(
        settings.warehouse_path,
        "select tenant_id, cast(occurred_at as date) as day, count(*) as n from raw.usage_events group by all",
    ):
        events[row["tenant_id"]][row["day"]] += row["n"]
    return events


def test_tenant_activity_counts_the_30_days_up_to_today_and_the_30_before(built: Settings) -> None:
    activity = {
        row["tenant_id"]: row for row in _rows(built.serving_path, "select * from marts.fct_tenant_activity")
    }
    usage = _usage_by_tenant_day(built)
    busiest = sorted(usage, key=lambda t: -sum(usage[t].values()))[:2]
    assert len(busiest) == 2
    for tenant_id in busiest:
        days = usage[tenant_id]
        last_30 = sum(n for d, n in days.items() if TODAY - timedelta(days=30) < d <= TODAY)
        prior_30 = sum(
            n for d, n in days.items() if TODAY - timedelta(days=60) < d <= TODAY - timedelta(days=30)
        )
        row = activity[tenant_id]
        assert row["as_of_date"] == TODAY
        assert (row["events_last_30_days"], row["events_prior_30_days"]) == (last_30, prior_30), tenant_id
        assert row["last_usage_date"] == max(d for d in days if d <= TODAY)
        assert row["active_days_last_30_days"] == sum(
            1 for d in days if TODAY - timedelta(days=30) < d <= TODAY
        )
    tenants = _rows(built.serving_path, "select tenant_id from marts.dim_tenants")
    assert len(activity) == len(tenants)


def test_package_performance_counts_adopters_and_revenue_per_currency(built: Settings) -> None:
    (settings_row,) = _rows(
        built.warehouse_path, "select lower(currency) as currency from raw.price_book_settings"
    )
    performance = _rows(built.serving_path, "select * from marts.fct_package_performance_monthly")
    assert {row["currency"] for row in performance} == {settings_row["currency"]}

    events = _rows(
        built.warehouse_path,
        "select package_id, tenant_id, cast(occurred_at as date) as day from raw.usage_events "
        "where package_id is not null",
    )
    period = f"{_month_start(TODAY) - timedelta(days=1):%Y-%m}"  # last whole month
    by_package = {row["package_id"]: row for row in performance if row["period"] == period}
    top = sorted(by_package.values(), key=lambda r: -r["gmv_amount"])[:2]
    assert top and top[0]["gmv_amount"] > 0
    for row in top:
        package_id = row["package_id"]
        ran = [e for e in events if e["package_id"] == package_id]
        active = {e["tenant_id"] for e in ran if f"{e['day']:%Y-%m}" == period}
        ever = {e["tenant_id"] for e in ran if f"{e['day']:%Y-%m}" <= period}
        first_months: dict[str, str] = {}
        for e in ran:
            month = f"{e['day']:%Y-%m}"
            first_months[e["tenant_id"]] = min(month, first_months.get(e["tenant_id"], month))
        assert row["active_tenants"] == len(active), package_id
        assert row["cumulative_tenants"] == len(ever), package_id
        assert row["new_tenants"] == sum(1 for m in first_months.values() if m == period), package_id
        assert row["event_count"] == sum(1 for e in ran if f"{e['day']:%Y-%m}" == period)
        lines = _rows(
            built.serving_path,
            "select line_amount, platform_fee_amount from marts.fct_invoice_lines "
            "where package_id = ? and period = ?",
            [package_id, period],
        )
        gmv = sum((line["line_amount"] for line in lines), Decimal(0))
        fee = sum((line["platform_fee_amount"] for line in lines), Decimal(0))
        assert row["gmv_amount"] == gmv and row["platform_fee_amount"] == fee
        assert row["take_rate"] == (fee / gmv).quantize(Decimal("0.000001"))

    # Every package is listed in every month, so a package nobody ran still shows with zeros.
    packages = _rows(built.serving_path, "select package_id from marts.dim_packages")
    assert set(by_package) == {p["package_id"] for p in packages}


def _mrr_by_hand(settings: Settings) -> dict[str, dict[date, Decimal]]:
    """Run-rate MRR per tenant and month, measured on the month's last day (today for this month)."""
    plans = {
        row["plan_id"]: row["amount"]
        for row in _rows(settings.warehouse_path, "select plan_id, amount from raw.price_book_plans")
    }
    subscriptions = _rows(settings.warehouse_path, "select * from raw.operational_subscriptions")
    first = min(s["started_on"] for s in subscriptions)
    mrr: dict[str, dict[date, Decimal]] = defaultdict(dict)
    start = _month_start(first)
    while start <= TODAY:
        measured = min(_next_month(start) - timedelta(days=1), TODAY)
        for s in subscriptions:
            held = s["started_on"] <= measured and (s["ended_on"] is None or s["ended_on"] > measured)
            amount = plans[s["plan_id"]] if held and not s["is_trial"] else Decimal(0)
            mrr[s["tenant_id"]][start] = mrr[s["tenant_id"]].get(start, Decimal(0)) + amount
        start = _next_month(start)
    return mrr


def test_mrr_cohorts_hold_what_their_tenants_hold(built: Settings) -> None:
    mrr = _mrr_by_hand(built)
    cohort_of = {
        tenant: min(month for month, amount in months.items() if amount > 0)
        for tenant, months in mrr.items()
        if any(amount > 0 for amount in months.values())
    }
    cohorts = _rows(built.serving_path, "select * from marts.fct_mrr_cohorts order by cohort_period, period")
    assert cohorts
    assert {row["cohort_start_date"] for row in cohorts} == set(cohort_of.values())
    # Two cohorts by hand: the largest one and the latest one, in every month since they started.
    sizes = defaultdict(int)
    for month in cohort_of.values():
        sizes[month] += 1
    for cohort_start in {max(sizes, key=lambda m: sizes[m]), max(sizes)}:
        members = [t for t, m in cohort_of.items() if m == cohort_start]
        starting = sum(mrr[t][cohort_start] for t in members)
        rows = [row for row in cohorts if row["cohort_start_date"] == cohort_start]
        assert [row["period_start_date"] for row in rows] == sorted(
            m for m in mrr[members[0]] if m >= cohort_start
        )
        for row in rows:
            held = sum(mrr[t][row["period_start_date"]] for t in members)
            assert row["cohort_tenants"] == len(members)
            assert row["starting_mrr_amount"] == starting
            assert row["mrr_amount"] == held, row
            assert row["retained_tenants"] == sum(1 for t in members if mrr[t][row["period_start_date"]] > 0)
        assert rows[-1]["period"] == f"{TODAY:%Y-%m}"
