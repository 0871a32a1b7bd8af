"""A hand-made serving snapshot for the portal's AppTests, reusable by every page's tests.

``write_serving_snapshot`` creates every mart table of docs/architecture.md ("Marts") with the listed
columns and inserts the given rows, writing to a temporary file renamed over the target as Dagster's
serving asset does. ``sample_marts`` is a small marketplace whose totals the tests know by heart.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from atom.settings import reset_settings_cache

APP_FILE = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"

MONEY = "DECIMAL(38, 6)"
QUANTITY = "DECIMAL(38, 9)"

# docs/architecture.md, "Marts": the contract the portal reads.
MART_COLUMNS: dict[str, dict[str, str]] = {
    "fct_invoice_lines": {
        "invoice_line_id": "VARCHAR",
        "tenant_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "kind": "VARCHAR",
        "price_id": "VARCHAR",
        "plan_id": "VARCHAR",
        "metric_id": "VARCHAR",
        "package_id": "VARCHAR",
        "publisher_id": "VARCHAR",
        "quantity": QUANTITY,
        "billable_quantity": QUANTITY,
        "line_amount": MONEY,
        "partner_payout_amount": MONEY,
        "platform_fee_amount": MONEY,
        "currency": "VARCHAR",
        "minor_units": "INTEGER",
    },
    "fct_invoices": {
        "tenant_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "currency": "VARCHAR",
        "minor_units": "INTEGER",
        "line_count": "BIGINT",
        "total_amount": MONEY,
        "usage_amount": MONEY,
        "recurring_amount": MONEY,
        "partner_payout_amount": MONEY,
    },
    "fct_usage_daily": {
        "usage_date": "DATE",
        "tenant_id": "VARCHAR",
        "package_id": "VARCHAR",
        "metric_id": "VARCHAR",
        "event_count": "BIGINT",
        "quantity": QUANTITY,
    },
    "fct_revenue_monthly": {
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "kind": "VARCHAR",
        "metric_id": "VARCHAR",
        "package_id": "VARCHAR",
        "publisher_id": "VARCHAR",
        "tenant_count": "BIGINT",
        "line_amount": MONEY,
        "partner_payout_amount": MONEY,
        "platform_fee_amount": MONEY,
        "currency": "VARCHAR",
    },
    "fct_active_tenants_monthly": {
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "active_tenants": "BIGINT",
        "paying_tenants": "BIGINT",
        "new_tenants": "BIGINT",
        "churned_tenants": "BIGINT",
    },
    "dim_tenants": {
        "tenant_id": "VARCHAR",
        "name": "VARCHAR",
        "segment": "VARCHAR",
        "country": "VARCHAR",
        "created_at": "TIMESTAMP",
        "current_state": "VARCHAR",
        "current_plan_id": "VARCHAR",
    },
    "dim_packages": {
        "package_id": "VARCHAR",
        "name": "VARCHAR",
        "publisher_id": "VARCHAR",
        "publisher_name": "VARCHAR",
        "category": "VARCHAR",
        "latest_version": "VARCHAR",
    },
    "fct_ingest_batches": {
        "batch_id": "VARCHAR",
        "source_uri": "VARCHAR",
        "landing_date": "DATE",
        "received": "BIGINT",
        "loaded": "BIGINT",
        "duplicates": "BIGINT",
        "quarantined": "BIGINT",
        "loaded_at": "TIMESTAMP",
        "is_reconciled": "BOOLEAN",
    },
    "fct_quarantine_by_reason": {"landing_date": "DATE", "reason": "VARCHAR", "quarantined": "BIGINT"},
    "fct_quarantine_daily": {
        "landing_date": "DATE",
        "quarantined": "BIGINT",
        "quarantined_last_7_days": "BIGINT",
        "quarantined_to_date": "BIGINT",
    },
    "fct_usage_totals_daily": {"usage_date": "DATE", "event_count": "BIGINT", "active_tenants": "BIGINT"},
    "fct_usage_monthly": {
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "tenant_id": "VARCHAR",
        "package_id": "VARCHAR",
        "metric_id": "VARCHAR",
        "event_count": "BIGINT",
        "quantity": QUANTITY,
        "aggregation": "VARCHAR",
        "metric_quantity": QUANTITY,
    },
    # dbt_project/models/marts/billing/_billing__models.yml
    "fct_revenue_streams_monthly": {
        "revenue_stream_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "kind": "VARCHAR",
        "metric_id": "VARCHAR",
        "currency": "VARCHAR",
        "tenant_count": "BIGINT",
        "line_amount": MONEY,
        "partner_payout_amount": MONEY,
        "platform_fee_amount": MONEY,
    },
    "fct_revenue_totals_monthly": {
        "revenue_total_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "currency": "VARCHAR",
        "billed_tenants": "BIGINT",
        "line_amount": MONEY,
        "usage_amount": MONEY,
        "recurring_amount": MONEY,
        "partner_payout_amount": MONEY,
        "platform_fee_amount": MONEY,
        "previous_line_amount": MONEY,
    },
    # dbt_project/models/marts/marketplace/_marketplace__models.yml
    "fct_package_performance_monthly": {
        "package_performance_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "package_id": "VARCHAR",
        "package_name": "VARCHAR",
        "publisher_id": "VARCHAR",
        "publisher_name": "VARCHAR",
        "category": "VARCHAR",
        "latest_version": "VARCHAR",
        "currency": "VARCHAR",
        "active_tenants": "BIGINT",
        "new_tenants": "BIGINT",
        "cumulative_tenants": "BIGINT",
        "event_count": "BIGINT",
        "billed_tenants": "BIGINT",
        "gmv_amount": MONEY,
        "platform_fee_amount": MONEY,
        "partner_payout_amount": MONEY,
        "take_rate": "DECIMAL(18, 6)",
    },
    # dbt_project/models/marts/tenants/_tenants__models.yml
    "fct_tenant_activity": {
        "tenant_id": "VARCHAR",
        "as_of_date": "DATE",
        "tenant_name": "VARCHAR",
        "segment": "VARCHAR",
        "country": "VARCHAR",
        "current_state": "VARCHAR",
        "current_plan_id": "VARCHAR",
        "events_last_30_days": "BIGINT",
        "events_prior_30_days": "BIGINT",
        "active_days_last_30_days": "INTEGER",
        "last_usage_date": "DATE",
        "open_invoices": "BIGINT",
        "max_days_past_due": "INTEGER",
    },
    # dbt_project/models/marts/finance/_finance__models.yml
    "fct_mrr_movements": {
        "mrr_movement_id": "VARCHAR",
        "tenant_id": "VARCHAR",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "mrr_amount": MONEY,
        "previous_mrr_amount": MONEY,
        "movement_type": "VARCHAR",
        "movement_amount": MONEY,
    },
    "fct_revenue_metrics_monthly": {
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "currency": "VARCHAR",
        **{
            f"{name}_amount": MONEY
            for name in (
                "mrr",
                "arr",
                "starting_mrr",
                "new_mrr",
                "expansion_mrr",
                "contraction_mrr",
                "churned_mrr",
                "reactivation_mrr",
            )
        },
        "net_revenue_retention": "DECIMAL(18, 6)",
        "gross_revenue_retention": "DECIMAL(18, 6)",
        "paying_tenants": "BIGINT",
        "arpa_amount": MONEY,
        "usage_revenue_amount": MONEY,
        "recurring_revenue_amount": MONEY,
        "unbilled_usage_amount": MONEY,
        "is_finalized": "BOOLEAN",
        "invoiced_amount": MONEY,
        "credited_amount": MONEY,
        "collected_amount": MONEY,
        "receivables_amount": MONEY,
        "days_sales_outstanding": "DECIMAL(18, 2)",
    },
    "fct_mrr_cohorts": {
        "mrr_cohort_id": "VARCHAR",
        "cohort_period": "VARCHAR",
        "cohort_start_date": "DATE",
        "period": "VARCHAR",
        "period_start_date": "DATE",
        "months_since_start": "INTEGER",
        "currency": "VARCHAR",
        "cohort_tenants": "BIGINT",
        "retained_tenants": "BIGINT",
        "starting_mrr_amount": MONEY,
        "mrr_amount": MONEY,
        "mrr_retention": "DECIMAL(18, 6)",
    },
    "fct_ar_aging": {
        "invoice_number": "VARCHAR",
        "tenant_id": "VARCHAR",
        "invoice_period": "VARCHAR",
        "currency": "VARCHAR",
        "open_amount": MONEY,
        "issued_on_date": "DATE",
        "due_on_date": "DATE",
        "as_of_date": "DATE",
        "days_past_due": "INTEGER",
        "aging_bucket": "VARCHAR",
    },
    "fct_partner_statements": {
        "partner_statement_id": "VARCHAR",
        "publisher_id": "VARCHAR",
        "statement_period": "VARCHAR",
        "currency": "VARCHAR",
        "line_count": "BIGINT",
        "invoice_count": "BIGINT",
        "tenant_count": "BIGINT",
        "gross_amount": MONEY,
        "adjustment_amount": MONEY,
        "platform_fee_amount": MONEY,
        "partner_payout_amount": MONEY,
        "recorded_payout_amount": MONEY,
        "stripe_transfer_id": "VARCHAR",
        "has_connected_account": "BOOLEAN",
        "is_conserved": "BOOLEAN",
    },
}

Rows = Mapping[str, Sequence[Mapping[str, Any]]]


def write_serving_snapshot(path: Path, rows: Rows, *, omit_tables: Sequence[str] = ()) -> Path:
    """Build a snapshot beside ``path`` and rename it over ``path`` atomically; returns ``path``."""
    unknown = set(rows) - set(MART_COLUMNS)
    if unknown:
        raise ValueError(f"Not a mart of docs/architecture.md: {sorted(unknown)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.building")
    staging.unlink(missing_ok=True)
    conn = duckdb.connect(str(staging))
    try:
        conn.execute("CREATE SCHEMA marts")
        for table, columns in MART_COLUMNS.items():
            if table in omit_tables:
                continue
            ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
            conn.execute(f"CREATE TABLE marts.{table} ({ddl})")
            for row in rows.get(table, ()):
                bad = set(row) - set(columns)
                if bad:
                    raise ValueError(f"marts.{table} has no column(s) {sorted(bad)}")
                names = ", ".join(row)
                marks = ", ".join("?" for _ in row)
                conn.execute(f"INSERT INTO marts.{table} ({names}) VALUES ({marks})", list(row.values()))
    finally:
        conn.close()
    os.replace(staging, path)
    return path


def _period(day: date) -> str:
    return f"{day:%Y-%m}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class SampleFacts:
    """What ``sample_marts`` holds, as the Overview page should show it."""

    revenue_this_month: Decimal
    revenue_last_month: Decimal
    active_tenants_this_month: int
    active_tenants_last_month: int
    events_today: int
    events_yesterday: int
    quarantined_total: int
    quarantined_last_7_days: int


def sample_marts(
    today: date, *, slack_usage_this_month: Decimal = Decimal("100.25")
) -> tuple[Rows, SampleFacts]:
    """Three months of a two-package marketplace ending ``today``, and the figures it adds up to."""
    this_start = _month_start(today)
    last_start = _month_start(this_start - timedelta(days=1))
    older_start = _month_start(last_start - timedelta(days=1))

    def revenue(
        start: date, kind: str, metric: str | None, package: str | None, amount: str
    ) -> dict[str, Any]:
        publisher = {"pkg_slack_notify": "pub_acme", "pkg_pdf_render": "pub_globex"}.get(package or "")
        value = Decimal(amount)
        payout = (value * Decimal("0.70")).quantize(Decimal("0.01")) if package else Decimal(0)
        return {
            "period": _period(start),
            "period_start_date": start,
            "kind": kind,
            "metric_id": metric,
            "package_id": package,
            "publisher_id": publisher,
            "tenant_count": 2,
            "line_amount": value,
            "partner_payout_amount": payout,
            "platform_fee_amount": value - payout,
            "currency": "usd",
        }

    def usage(day: date, tenant: str, events: int) -> dict[str, Any]:
        return {
            "usage_date": day,
            "tenant_id": tenant,
            "package_id": "pkg_slack_notify",
            "metric_id": "workflow_runs",
            "event_count": events,
            "quantity": Decimal(events),
        }

    def active(start: date, tenants: int) -> dict[str, Any]:
        return {
            "period": _period(start),
            "period_start_date": start,
            "active_tenants": tenants,
            "paying_tenants": tenants,
            "new_tenants": 1,
            "churned_tenants": 0,
        }

    rows: Rows = {
        "fct_revenue_monthly": [
            revenue(this_start, "usage", "workflow_runs", "pkg_slack_notify", str(slack_usage_this_month)),
            revenue(this_start, "usage", "compute_seconds", "pkg_pdf_render", "50.10"),
            revenue(this_start, "recurring", None, None, "49.00"),
            revenue(last_start, "usage", "workflow_runs", "pkg_slack_notify", "80.00"),
            revenue(last_start, "recurring", None, None, "98.00"),
            revenue(older_start, "recurring", None, None, "49.00"),
        ],
        "fct_active_tenants_monthly": [active(this_start, 3), active(last_start, 2), active(older_start, 1)],
        "fct_usage_daily": [
            usage(today, "ten_acme", 10),
            usage(today, "ten_globex", 5),
            usage(today - timedelta(days=1), "ten_acme", 7),
            usage(today - timedelta(days=3), "ten_acme", 4),
        ],
        "fct_quarantine_by_reason": [
            {"landing_date": today, "reason": "missing_field", "quarantined": 2},
            {"landing_date": today - timedelta(days=3), "reason": "bad_timestamp", "quarantined": 1},
            {"landing_date": today - timedelta(days=10), "reason": "unknown_metric", "quarantined": 5},
        ],
        "dim_packages": [
            {
                "package_id": "pkg_slack_notify",
                "name": "Slack notify",
                "publisher_id": "pub_acme",
                "publisher_name": "Acme",
                "category": "messaging",
                "latest_version": "1.2.0",
            },
            {
                "package_id": "pkg_pdf_render",
                "name": "PDF render",
                "publisher_id": "pub_globex",
                "publisher_name": "Globex",
                "category": "documents",
                "latest_version": "0.3.1",
            },
        ],
        "dim_tenants": [
            {
                "tenant_id": "ten_acme",
                "name": "Acme Corp",
                "segment": "smb",
                "country": "US",
                "created_at": datetime(2026, 1, 5, 9, 0),
                "current_state": "active",
                "current_plan_id": "team",
            }
        ],
    }
    rows = {**rows, **finance_marts(today)}
    rows["dim_tenants"] = [
        *rows["dim_tenants"],
        {
            "tenant_id": "ten_globex",
            "name": "Globex Ltd",
            "segment": "enterprise",
            "country": "GB",
            "created_at": datetime(2026, 2, 1, 9, 0),
            "current_state": "past_due",
            "current_plan_id": "business",
        },
    ]
    rows = {**rows, **derived_marts(rows, today)}
    facts = SampleFacts(
        revenue_this_month=slack_usage_this_month + Decimal("50.10") + Decimal("49.00"),
        revenue_last_month=Decimal("178.00"),
        active_tenants_this_month=3,
        active_tenants_last_month=2,
        events_today=15,
        events_yesterday=7,
        quarantined_total=8,
        quarantined_last_7_days=3,
    )
    return rows, facts


def derived_marts(rows: Rows, today: date) -> dict[str, list[dict[str, Any]]]:
    """The marts dbt derives from the sample's base marts, derived the same way here so that every page
    agrees with every other: revenue streams and totals, usage per day and month, quarantine as of today,
    package performance, tenant activity and MRR cohorts."""
    revenue = rows["fct_revenue_monthly"]
    usage = rows["fct_usage_daily"]
    periods = sorted({r["period_start_date"] for r in revenue})

    def total(items: Sequence[Mapping[str, Any]], column: str) -> Decimal:
        return sum((Decimal(r[column]) for r in items), Decimal(0))

    streams: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for r in revenue:
        streams.setdefault(
            (r["period"], r["period_start_date"], r["kind"], r["metric_id"], r["currency"]), []
        ).append(r)
    revenue_streams = [
        {
            "revenue_stream_id": f"{period}/{kind}/{metric or ''}/{currency}",
            "period": period,
            "period_start_date": start,
            "kind": kind,
            "metric_id": metric,
            "currency": currency,
            "tenant_count": max(r["tenant_count"] for r in items),
            "line_amount": total(items, "line_amount"),
            "partner_payout_amount": total(items, "partner_payout_amount"),
            "platform_fee_amount": total(items, "platform_fee_amount"),
        }
        for (period, start, kind, metric, currency), items in streams.items()
    ]
    revenue_totals = []
    previous = Decimal(0)
    for start in periods:
        items = [r for r in revenue if r["period_start_date"] == start]
        amount = total(items, "line_amount")
        revenue_totals.append(
            {
                "revenue_total_id": f"{_period(start)}/usd",
                "period": _period(start),
                "period_start_date": start,
                "currency": "usd",
                "billed_tenants": 2,
                "line_amount": amount,
                "usage_amount": total([r for r in items if r["kind"] == "usage"], "line_amount"),
                "recurring_amount": total([r for r in items if r["kind"] == "recurring"], "line_amount"),
                "partner_payout_amount": total(items, "partner_payout_amount"),
                "platform_fee_amount": total(items, "platform_fee_amount"),
                "previous_line_amount": previous,
            }
        )
        previous = amount

    days = sorted({r["usage_date"] for r in usage})
    usage_totals = [
        {
            "usage_date": day,
            "event_count": sum(r["event_count"] for r in usage if r["usage_date"] == day),
            "active_tenants": len({r["tenant_id"] for r in usage if r["usage_date"] == day}),
        }
        for day in days
    ]
    monthly: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for r in usage:
        key = (_month_start(r["usage_date"]), r["tenant_id"], r["package_id"], r["metric_id"])
        monthly.setdefault(key, []).append(r)
    usage_monthly = [
        {
            "period": _period(start),
            "period_start_date": start,
            "tenant_id": tenant,
            "package_id": package,
            "metric_id": metric,
            "event_count": sum(r["event_count"] for r in items),
            "quantity": total(items, "quantity"),
            "aggregation": "sum",  # the page reads the sum; as if every metric were one
            "metric_quantity": total(items, "quantity"),
        }
        for (start, tenant, package, metric), items in monthly.items()
    ]

    quarantine = rows["fct_quarantine_by_reason"]
    landing_days = sorted({r["landing_date"] for r in quarantine} | {today})
    quarantine_daily = [
        {
            "landing_date": day,
            "quarantined": sum(r["quarantined"] for r in quarantine if r["landing_date"] == day),
            "quarantined_last_7_days": sum(
                r["quarantined"] for r in quarantine if day - timedelta(days=7) < r["landing_date"] <= day
            ),
            "quarantined_to_date": sum(r["quarantined"] for r in quarantine if r["landing_date"] <= day),
        }
        for day in landing_days
    ]

    package_performance = []
    for package in rows["dim_packages"]:
        for start in periods:
            items = [
                r
                for r in revenue
                if r["package_id"] == package["package_id"] and r["period_start_date"] == start
            ]
            ran = [r for r in usage if r["package_id"] == package["package_id"]]
            active = {r["tenant_id"] for r in ran if _month_start(r["usage_date"]) == start}
            gmv, fee = total(items, "line_amount"), total(items, "platform_fee_amount")
            package_performance.append(
                {
                    "package_performance_id": f"{_period(start)}/{package['package_id']}/usd",
                    "period": _period(start),
                    "period_start_date": start,
                    "package_id": package["package_id"],
                    "package_name": package["name"],
                    "publisher_id": package["publisher_id"],
                    "publisher_name": package["publisher_name"],
                    "category": package["category"],
                    "latest_version": package["latest_version"],
                    "currency": "usd",
                    "active_tenants": len(active),
                    "new_tenants": len(active) if start == _month_start(today) else 0,
                    "cumulative_tenants": len(
                        {r["tenant_id"] for r in ran if _month_start(r["usage_date"]) <= start}
                    ),
                    "event_count": sum(
                        r["event_count"] for r in ran if _month_start(r["usage_date"]) == start
                    ),
                    "billed_tenants": 2 if items else 0,
                    "gmv_amount": gmv,
                    "platform_fee_amount": fee,
                    "partner_payout_amount": total(items, "partner_payout_amount"),
                    "take_rate": (fee / gmv).quantize(Decimal("0.000001")) if gmv else None,
                }
            )

    receivables = rows["fct_ar_aging"]
    tenant_activity = [
        {
            "tenant_id": tenant["tenant_id"],
            "as_of_date": today,
            "tenant_name": tenant["name"],
            "segment": tenant["segment"],
            "country": tenant["country"],
            "current_state": tenant["current_state"],
            "current_plan_id": tenant["current_plan_id"],
            "events_last_30_days": sum(
                r["event_count"]
                for r in usage
                if r["tenant_id"] == tenant["tenant_id"]
                and today - timedelta(days=30) < r["usage_date"] <= today
            ),
            "events_prior_30_days": sum(
                r["event_count"]
                for r in usage
                if r["tenant_id"] == tenant["tenant_id"]
                and today - timedelta(days=60) < r["usage_date"] <= today - timedelta(days=30)
            ),
            "active_days_last_30_days": len(
                {r["usage_date"] for r in usage if r["tenant_id"] == tenant["tenant_id"]}
            ),
            "last_usage_date": max(
                (r["usage_date"] for r in usage if r["tenant_id"] == tenant["tenant_id"]), default=None
            ),
            "open_invoices": sum(1 for r in receivables if r["tenant_id"] == tenant["tenant_id"]),
            "max_days_past_due": max(
                (max(r["days_past_due"], 0) for r in receivables if r["tenant_id"] == tenant["tenant_id"]),
                default=0,
            ),
        }
        for tenant in rows["dim_tenants"]
    ]

    # MRR cohorts from the sample's MRR movements (every tenant has a row in every month from its first).
    movements = rows["fct_mrr_movements"]
    first_month = {}
    for m in sorted(movements, key=lambda m: m["period_start_date"]):
        if m["mrr_amount"] > 0:
            first_month.setdefault(m["tenant_id"], m["period_start_date"])
    mrr_cohorts = []
    for cohort_start in sorted(set(first_month.values())):
        members = [t for t, start in first_month.items() if start == cohort_start]
        held = {
            start: [m for m in movements if m["tenant_id"] in members and m["period_start_date"] == start]
            for start in sorted(
                {m["period_start_date"] for m in movements if m["period_start_date"] >= cohort_start}
            )
        }
        starting = total(held[cohort_start], "mrr_amount")
        for start, items in held.items():
            mrr = total(items, "mrr_amount")
            mrr_cohorts.append(
                {
                    "mrr_cohort_id": f"{_period(cohort_start)}/{_period(start)}",
                    "cohort_period": _period(cohort_start),
                    "cohort_start_date": cohort_start,
                    "period": _period(start),
                    "period_start_date": start,
                    "months_since_start": (start.year - cohort_start.year) * 12
                    + start.month
                    - cohort_start.month,
                    "currency": "usd",
                    "cohort_tenants": len(members),
                    "retained_tenants": sum(1 for m in items if m["mrr_amount"] > 0),
                    "starting_mrr_amount": starting,
                    "mrr_amount": mrr,
                    "mrr_retention": (mrr / starting).quantize(Decimal("0.000001")),
                }
            )

    return {
        "fct_revenue_streams_monthly": revenue_streams,
        "fct_revenue_totals_monthly": revenue_totals,
        "fct_usage_totals_daily": usage_totals,
        "fct_usage_monthly": usage_monthly,
        "fct_quarantine_daily": quarantine_daily,
        "fct_package_performance_monthly": package_performance,
        "fct_tenant_activity": tenant_activity,
        "fct_mrr_cohorts": mrr_cohorts,
    }


def finance_marts(today: date) -> dict[str, list[dict[str, Any]]]:
    """Two months of MRR (ten_acme new at 49 then expanding to 499; ten_globex new at 499 this month),
    one overdue receivable and one partner statement."""
    this_start = _month_start(today)
    last_start = _month_start(this_start - timedelta(days=1))

    def movement(start: date, tenant: str, previous: str, current: str, kind: str) -> dict[str, Any]:
        return {
            "mrr_movement_id": f"{_period(start)}/{tenant}",
            "tenant_id": tenant,
            "period": _period(start),
            "period_start_date": start,
            "mrr_amount": Decimal(current),
            "previous_mrr_amount": Decimal(previous),
            "movement_type": kind,
            "movement_amount": Decimal(current) - Decimal(previous),
        }

    def metrics(
        start: date, mrr: str, starting: str, new: str, expansion: str, nrr: str | None
    ) -> dict[str, Any]:
        zero = Decimal(0)
        return {
            "period": _period(start),
            "period_start_date": start,
            "currency": "usd",
            "mrr_amount": Decimal(mrr),
            "arr_amount": Decimal(mrr) * 12,
            "starting_mrr_amount": Decimal(starting),
            "new_mrr_amount": Decimal(new),
            "expansion_mrr_amount": Decimal(expansion),
            "contraction_mrr_amount": zero,
            "churned_mrr_amount": zero,
            "reactivation_mrr_amount": zero,
            "net_revenue_retention": None if nrr is None else Decimal(nrr),
            "gross_revenue_retention": None if nrr is None else Decimal("1"),
            "paying_tenants": 2 if start == this_start else 1,
            "arpa_amount": Decimal(mrr) / (2 if start == this_start else 1),
            "usage_revenue_amount": Decimal("150.35") if start == this_start else Decimal("80.00"),
            "recurring_revenue_amount": Decimal("49.00") if start == this_start else Decimal("98.00"),
            "unbilled_usage_amount": Decimal("150.35") if start == this_start else zero,
            "is_finalized": start != this_start,
            "invoiced_amount": zero if start == this_start else Decimal("178.00"),
            "credited_amount": zero,
            "collected_amount": zero,
            "receivables_amount": zero if start == this_start else Decimal("178.00"),
            "days_sales_outstanding": None if start == this_start else Decimal("31.00"),
        }

    return {
        "fct_mrr_movements": [
            movement(last_start, "ten_acme", "0", "49", "new"),
            movement(this_start, "ten_acme", "49", "499", "expansion"),
            movement(this_start, "ten_globex", "0", "499", "new"),
        ],
        "fct_revenue_metrics_monthly": [
            metrics(last_start, "49", "0", "49", "0", None),
            metrics(this_start, "998", "49", "499", "450", "10.183673"),
        ],
        "fct_ar_aging": [
            {
                "invoice_number": f"ATOM-{last_start:%Y%m}-00001",
                "tenant_id": "ten_globex",
                "invoice_period": _period(last_start),
                "currency": "usd",
                "open_amount": Decimal("178.00"),
                "issued_on_date": this_start,
                "due_on_date": this_start,
                "as_of_date": today,
                "days_past_due": 45,
                "aging_bucket": "31-60",
            }
        ],
        "fct_partner_statements": [
            {
                "partner_statement_id": f"pub_acme/{_period(last_start)}",
                "publisher_id": "pub_acme",
                "statement_period": _period(last_start),
                "currency": "usd",
                "line_count": 2,
                "invoice_count": 2,
                "tenant_count": 2,
                "gross_amount": Decimal("80.00"),
                "adjustment_amount": Decimal(0),
                "platform_fee_amount": Decimal("24.00"),
                "partner_payout_amount": Decimal("56.00"),
                "recorded_payout_amount": Decimal("56.00"),
                "stripe_transfer_id": None,
                "has_connected_account": False,
                "is_conserved": True,
            }
        ],
    }


@dataclass(frozen=True)
class PortalHome:
    home: Path
    serving: Path


@pytest.fixture
def portal_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalHome]:
    """An empty ATOM_HOME the portal reads from, with Streamlit's process-wide caches cleared."""
    home = tmp_path / "atom_home"
    home.mkdir()
    serving = home / "serving.duckdb"
    monkeypatch.setenv("ATOM_HOME", str(home))
    monkeypatch.setenv("ATOM_SERVING", str(serving))
    reset_settings_cache()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield PortalHome(home, serving)
    st.cache_data.clear()
    st.cache_resource.clear()
    reset_settings_cache()


def run_portal(timeout: float = 30, *, role: str | None = "admin") -> AppTest:
    """The portal's entry point, run once on its default page, signed in as ``role`` (None: signed out)."""
    from tests.app.opdb_seed import ensure_account

    at = AppTest.from_file(str(APP_FILE), default_timeout=timeout)
    if role is not None:
        at.session_state["atom_identity"] = ensure_account(f"{role}@atom.test", role)
    return at.run()


@pytest.fixture
def portal_world(portal_home: PortalHome) -> PortalHome:
    """``portal_home`` with the sample marts published and an operational DB holding slack-notify 1.0.0
    (approved) and 1.1.0 (waiting for review, submitted two hours ago)."""
    from atom.opdb.registry import utcnow
    from tests.app.opdb_seed import seed_submissions

    write_serving_snapshot(portal_home.serving, sample_marts(date.today())[0])
    seed_submissions(utcnow())
    return portal_home
