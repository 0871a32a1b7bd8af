"""Read models of the portal: SQL on the serving snapshot's ``marts`` schema, returned as DataFrames.

No Streamlit here besides the cache decorators. Every function takes the snapshot identity as its
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
    "fct_revenue_monthly",
    "fct_active_tenants_monthly",
    "fct_usage_daily",
    "fct_quarantine_by_reason",
    "dim_packages",
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
def revenue_month_over_month(snapshot: Snapshot, this_period: str, last_period: str) -> pd.DataFrame:
    """One row per currency: ``currency, this_month_amount, last_month_amount`` (Decimal)."""
    return read_frame(
        snapshot,
        """
        with

        currencies as (select distinct currency from marts.fct_revenue_monthly),

        two_months as (
            select currency, period, sum(line_amount) as line_amount
            from marts.fct_revenue_monthly
            where period in ($this_period, $last_period)
            group by currency, period
        ),

        final as (
            select
                currencies.currency,
                coalesce(max(case when two_months.period = $this_period then two_months.line_amount end), 0)
                    as this_month_amount,
                coalesce(max(case when two_months.period = $last_period then two_months.line_amount end), 0)
                    as last_month_amount,
            from currencies
            left join two_months on two_months.currency = currencies.currency
            group by currencies.currency
        )

        select * from final order by currency
        """,
        {"this_period": this_period, "last_period": last_period},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def overview_counts(snapshot: Snapshot, today: date, this_period: str, last_period: str) -> pd.DataFrame:
    """A single row of counters for the live tiles, plus the latest dates the snapshot holds.

    Quarantine "last 7 days" counts landing days ``today - 6 .. today``: the mart is by landing day,
    the day a batch arrived, not the day its events happened.
    """
    return read_frame(
        snapshot,
        """
        select
            (select cast(coalesce(sum(active_tenants), 0) as bigint)
               from marts.fct_active_tenants_monthly where period = $this_period)
                as active_tenants_this_month,
            (select cast(coalesce(sum(active_tenants), 0) as bigint)
               from marts.fct_active_tenants_monthly where period = $last_period)
                as active_tenants_last_month,
            (select cast(coalesce(sum(event_count), 0) as bigint)
               from marts.fct_usage_daily where usage_date = $today) as events_today,
            (select cast(coalesce(sum(event_count), 0) as bigint)
               from marts.fct_usage_daily where usage_date = $yesterday) as events_yesterday,
            (select cast(coalesce(sum(quarantined), 0) as bigint)
               from marts.fct_quarantine_by_reason) as quarantined_total,
            (select cast(coalesce(sum(quarantined), 0) as bigint)
               from marts.fct_quarantine_by_reason where landing_date >= $week_start)
                as quarantined_last_7_days,
            (select max(usage_date) from marts.fct_usage_daily) as latest_usage_date,
            (select max(period) from marts.fct_revenue_monthly) as latest_revenue_period
        """,
        {
            "this_period": this_period,
            "last_period": last_period,
            "today": today,
            "yesterday": today - timedelta(days=1),
            "week_start": today - timedelta(days=6),
        },
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def revenue_by_month(snapshot: Snapshot) -> pd.DataFrame:
    """``period, revenue_stream, currency, line_amount``; a stream is ``usage · <metric>`` or the kind."""
    return read_frame(
        snapshot,
        """
        select
            period,
            case
                when kind = 'usage' then 'usage · ' || coalesce(metric_id, 'unknown metric')
                else kind
            end as revenue_stream,
            currency,
            sum(line_amount) as line_amount,
        from marts.fct_revenue_monthly
        group by all
        order by period, revenue_stream, currency
        """,
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def events_per_day(snapshot: Snapshot) -> pd.DataFrame:
    """``usage_date, event_count`` over every day the snapshot holds usage for."""
    return read_frame(
        snapshot,
        """
        select usage_date, cast(sum(event_count) as bigint) as event_count
        from marts.fct_usage_daily
        group by usage_date
        order by usage_date
        """,
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def top_packages_by_revenue(snapshot: Snapshot, period: str, limit: int = 10) -> pd.DataFrame:
    """``package_id, package_name, publisher_name, currency, line_amount``, largest first."""
    return read_frame(
        snapshot,
        """
        select
            revenue.package_id,
            coalesce(any_value(packages.name), revenue.package_id) as package_name,
            any_value(packages.publisher_name) as publisher_name,
            revenue.currency,
            sum(revenue.line_amount) as line_amount,
        from marts.fct_revenue_monthly as revenue
        left join marts.dim_packages as packages on packages.package_id = revenue.package_id
        where revenue.period = $period and revenue.package_id is not null
        group by revenue.package_id, revenue.currency
        order by line_amount desc, revenue.package_id
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
