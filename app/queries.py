"""Read models of the portal: SQL on the serving snapshot's ``marts`` schema, returned as DataFrames.

Each query is a plain select of one mart (filters, ordering, a limit): metrics are computed, tested and
documented in dbt_project/models/marts, never here. No Streamlit here besides the cache decorators. Every function takes the snapshot identity as its
first argument, so a swapped snapshot is a new cache key; the TTL only bounds memory and the age of
anything keyed by a date. Money columns come back as ``decimal.Decimal``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app.connection import Snapshot, read_frame

QUERY_TTL = timedelta(minutes=10)

OVERVIEW_TABLES: tuple[str, ...] = (
    "fct_revenue_totals_monthly",
    "fct_revenue_streams_monthly",
    "fct_active_tenants_monthly",
    "fct_usage_totals_daily",
    "fct_quarantine_by_reason",
    "fct_quarantine_daily",
    "fct_package_performance_monthly",
)


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def mart_tables(snapshot: Snapshot) -> pd.DataFrame:
    """``table_name`` of every table or view in the snapshot's ``marts`` schema."""
    return read_frame(
        snapshot,
        """
        select table_name
        from information_schema.tables
        where table_catalog = 'serving' and table_schema = 'marts'
        order by table_name
        """,
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revenue_month_over_month(snapshot: Snapshot, this_period: str) -> pd.DataFrame:
    """One row per currency: ``currency, this_month_amount, last_month_amount`` (Decimal)."""
    return read_frame(
        snapshot,
        """
        select currency, line_amount as this_month_amount, previous_line_amount as last_month_amount
        from marts.fct_revenue_totals_monthly
        where period = $this_period
        order by currency
        """,
        {"this_period": this_period},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def active_tenants(snapshot: Snapshot, periods: tuple[str, ...]) -> pd.DataFrame:
    """``period, active_tenants`` of the given months (``marts.fct_active_tenants_monthly``)."""
    return read_frame(
        snapshot,
        """
        select period, active_tenants
        from marts.fct_active_tenants_monthly
        where list_contains($periods, period)
        order by period
        """,
        {"periods": list(periods)},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def usage_totals(snapshot: Snapshot, days: tuple[date, ...]) -> pd.DataFrame:
    """``usage_date, event_count, active_tenants`` of the given days that had usage."""
    return read_frame(
        snapshot,
        """
        select usage_date, event_count, active_tenants
        from marts.fct_usage_totals_daily
        where list_contains($days, usage_date)
        order by usage_date
        """,
        {"days": list(days)},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def latest_usage_date(snapshot: Snapshot) -> date | None:
    """The latest day the snapshot holds usage for, or None."""
    frame = read_frame(
        snapshot,
        "select usage_date from marts.fct_usage_totals_daily order by usage_date desc limit 1",
    )
    return None if frame.empty else frame["usage_date"].iloc[0]


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def quarantine_as_of(snapshot: Snapshot, today: date) -> pd.DataFrame:
    """The latest row of ``marts.fct_quarantine_daily`` up to ``today``: ``landing_date, quarantined,
    quarantined_last_7_days, quarantined_to_date`` (none when nothing was ever quarantined)."""
    return read_frame(
        snapshot,
        """
        select landing_date, quarantined, quarantined_last_7_days, quarantined_to_date
        from marts.fct_quarantine_daily
        where landing_date <= $today
        order by landing_date desc
        limit 1
        """,
        {"today": today},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revenue_by_month(snapshot: Snapshot) -> pd.DataFrame:
    """``period, kind, metric_id, currency, line_amount`` (``marts.fct_revenue_streams_monthly``)."""
    return read_frame(
        snapshot,
        """
        select period, kind, metric_id, currency, line_amount
        from marts.fct_revenue_streams_monthly
        order by period, kind desc, metric_id, currency
        """,
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def events_per_day(snapshot: Snapshot) -> pd.DataFrame:
    """``usage_date, event_count`` over every day the snapshot holds usage for."""
    return read_frame(
        snapshot, "select usage_date, event_count from marts.fct_usage_totals_daily order by usage_date"
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def top_packages_by_revenue(snapshot: Snapshot, period: str, limit: int = 10) -> pd.DataFrame:
    """``package_id, package_name, publisher_name, currency, line_amount`` (the package's GMV), largest first."""
    return read_frame(
        snapshot,
        """
        select package_id, package_name, publisher_name, currency, gmv_amount as line_amount
        from marts.fct_package_performance_monthly
        where period = $period and gmv_amount > 0
        order by gmv_amount desc, package_id, currency
        limit $limit
        """,
        {"period": period, "limit": limit},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def quarantine_by_reason(snapshot: Snapshot) -> pd.DataFrame:
    """``reason, quarantined`` over every landing day, most frequent reason first."""
    return read_frame(
        snapshot,
        """
        select reason, cast(sum(quarantined) as bigint) as quarantined
        from marts.fct_quarantine_by_reason
        group by reason
        order by quarantined desc, reason
        """,
    )


# --- Revenue (finance marts; formulas in dbt_project/models/marts/finance/_finance__models.yml) ---

REVENUE_TABLES: tuple[str, ...] = (
    "fct_revenue_metrics_monthly",
    "fct_mrr_movements",
    "fct_mrr_cohorts",
    "dim_tenants",
)
TENANT_TABLES: tuple[str, ...] = ("fct_tenant_activity", "fct_usage_monthly", "fct_invoices")
MARKETPLACE_TABLES: tuple[str, ...] = (
    "dim_packages",
    "fct_package_performance_monthly",
    "fct_partner_statements",
)
BILLING_TABLES: tuple[str, ...] = ("fct_revenue_metrics_monthly", "fct_ar_aging", "fct_invoices")
PIPELINE_TABLES: tuple[str, ...] = ("fct_ingest_batches", "fct_quarantine_by_reason")


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revenue_metrics(snapshot: Snapshot) -> pd.DataFrame:
    """Every column of ``marts.fct_revenue_metrics_monthly``, one row per month, oldest first."""
    return read_frame(snapshot, "select * from marts.fct_revenue_metrics_monthly order by period")


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def mrr_movement_tenants(snapshot: Snapshot, period: str, movement_type: str) -> pd.DataFrame:
    """The tenants behind one bar of the waterfall: ``tenant_id, name, previous_mrr_amount, mrr_amount,
    movement_amount``, largest movement first."""
    return read_frame(
        snapshot,
        """
        select
            movements.tenant_id,
            coalesce(tenants.name, movements.tenant_id) as name,
            movements.previous_mrr_amount,
            movements.mrr_amount,
            movements.movement_amount,
        from marts.fct_mrr_movements as movements
        left join marts.dim_tenants as tenants on tenants.tenant_id = movements.tenant_id
        where movements.period = $period and movements.movement_type = $movement_type
        order by abs(movements.movement_amount) desc, movements.tenant_id
        """,
        {"period": period, "movement_type": movement_type},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def mrr_cohorts(snapshot: Snapshot) -> pd.DataFrame:
    """``marts.fct_mrr_cohorts``: per cohort (first month with MRR) and later month, the tenants and MRR it
    still holds and ``mrr_retention`` (ChartMogul's cohort NRR)."""
    return read_frame(
        snapshot,
        """
        select
            cohort_period, period, months_since_start, currency, cohort_tenants, retained_tenants,
            starting_mrr_amount, mrr_amount, mrr_retention
        from marts.fct_mrr_cohorts
        order by cohort_period, months_since_start
        """,
    )


# --- Tenants ---


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def tenant_activity(snapshot: Snapshot) -> pd.DataFrame:
    """``marts.fct_tenant_activity``: one row per tenant with its 30/60-day usage windows and how overdue
    it is, as of the build's ``as_of_date``: the health score's inputs."""
    return read_frame(snapshot, "select * from marts.fct_tenant_activity order by tenant_id")


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def tenant_usage_by_month(snapshot: Snapshot, tenant_id: str) -> pd.DataFrame:
    """``period, metric_id, package_id, event_count, quantity, aggregation, metric_quantity`` for one tenant
    (``marts.fct_usage_monthly``): ``quantity`` the sum, ``metric_quantity`` the month by the metric's
    aggregation (decision 0096); ``package_id`` is NULL for platform services."""
    return read_frame(
        snapshot,
        """
        select period, metric_id, package_id, event_count, quantity, aggregation, metric_quantity
        from marts.fct_usage_monthly
        where tenant_id = $tenant_id
        order by period, metric_id, package_id
        """,
        {"tenant_id": tenant_id},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def tenant_draft_invoices(snapshot: Snapshot, tenant_id: str) -> pd.DataFrame:
    """``period, currency, line_count, usage_amount, recurring_amount, total_amount`` (draft, rated)."""
    return read_frame(
        snapshot,
        """
        select period, currency, line_count, usage_amount, recurring_amount, total_amount
        from marts.fct_invoices
        where tenant_id = $tenant_id
        order by period desc
        """,
        {"tenant_id": tenant_id},
    )


# --- Marketplace ---


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def package_performance(snapshot: Snapshot, period: str) -> pd.DataFrame:
    """``marts.fct_package_performance_monthly`` for ``period``: every package with its adoption (active, new
    and cumulative tenants) and, per currency, GMV, platform fee, partner payout and take rate."""
    return read_frame(
        snapshot,
        """
        select *
        from marts.fct_package_performance_monthly
        where period = $period
        order by gmv_amount desc, package_id, currency
        """,
        {"period": period},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def marketplace_periods(snapshot: Snapshot) -> pd.DataFrame:
    """``period``: the months ``marts.fct_package_performance_monthly`` covers, newest first."""
    return read_frame(
        snapshot,
        "select distinct period from marts.fct_package_performance_monthly order by period desc",
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def partner_statements(snapshot: Snapshot) -> pd.DataFrame:
    """``marts.fct_partner_statements`` with the publisher's name, newest month first."""
    return read_frame(
        snapshot,
        """
        with publishers as (
            select publisher_id, any_value(publisher_name) as publisher_name
            from marts.dim_packages group by publisher_id
        )
        select statements.*, coalesce(publishers.publisher_name, statements.publisher_id) as publisher_name
        from marts.fct_partner_statements as statements
        left join publishers using (publisher_id)
        order by statement_period desc, publisher_id
        """,
    )


# --- Billing desk ---


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def ar_aging(snapshot: Snapshot) -> pd.DataFrame:
    """Every open receivable (``marts.fct_ar_aging``), most overdue first."""
    return read_frame(
        snapshot, "select * from marts.fct_ar_aging order by days_past_due desc, invoice_number"
    )


# --- Pipeline health ---


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def ingest_batches(snapshot: Snapshot, limit: int = 200) -> pd.DataFrame:
    """The latest ingest batches with their reconciliation (received = loaded + duplicates + quarantined)."""
    return read_frame(
        snapshot,
        "select * from marts.fct_ingest_batches order by loaded_at desc nulls last, batch_id limit $limit",
        {"limit": limit},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def ingest_totals(snapshot: Snapshot) -> pd.DataFrame:
    """One row: ``batches, unreconciled_batches, received, loaded, duplicates, quarantined, last_loaded_at``."""
    return read_frame(
        snapshot,
        """
        select
            count(*) as batches,
            count(*) filter (where not is_reconciled) as unreconciled_batches,
            cast(coalesce(sum(received), 0) as bigint) as received,
            cast(coalesce(sum(loaded), 0) as bigint) as loaded,
            cast(coalesce(sum(duplicates), 0) as bigint) as duplicates,
            cast(coalesce(sum(quarantined), 0) as bigint) as quarantined,
            max(loaded_at) as last_loaded_at,
        from marts.fct_ingest_batches
        """,
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def quarantine_by_week(snapshot: Snapshot) -> pd.DataFrame:
    """``week_start_date, reason, quarantined`` by landing week."""
    return read_frame(
        snapshot,
        """
        select cast(date_trunc('week', landing_date) as date) as week_start_date, reason,
               cast(sum(quarantined) as bigint) as quarantined
        from marts.fct_quarantine_by_reason
        group by all
        order by week_start_date, reason
        """,
    )
