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


# --- Revenue (finance marts; formulas in dbt_project/models/marts/finance/_finance__models.yml) ---

REVENUE_TABLES: tuple[str, ...] = ("fct_revenue_metrics_monthly", "fct_mrr_movements", "dim_tenants")
TENANT_TABLES: tuple[str, ...] = ("dim_tenants", "fct_usage_daily", "fct_invoices", "fct_ar_aging")
MARKETPLACE_TABLES: tuple[str, ...] = (
    "dim_packages",
    "fct_revenue_monthly",
    "fct_usage_daily",
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
    """``cohort, period, months_since_start, cohort_tenants, starting_mrr_amount, mrr_amount``.

    A tenant's cohort is its first month with MRR; ``mrr_amount`` is the MRR its cohort still holds
    (ChartMogul's cohort NRR: cohort MRR in the period / the cohort's starting MRR).
    """
    return read_frame(
        snapshot,
        """
        with

        movements as (select * from marts.fct_mrr_movements),

        first_months as (
            select tenant_id, min(period_start_date) as cohort_start_date
            from movements
            where mrr_amount > 0
            group by tenant_id
        ),

        cohort_starts as (
            select
                first_months.cohort_start_date,
                count(*) as cohort_tenants,
                sum(movements.mrr_amount) as starting_mrr_amount,
            from first_months
            join movements
                on movements.tenant_id = first_months.tenant_id
                and movements.period_start_date = first_months.cohort_start_date
            group by first_months.cohort_start_date
        ),

        cohort_mrr as (
            select
                first_months.cohort_start_date,
                movements.period_start_date,
                sum(movements.mrr_amount) as mrr_amount,
            from first_months
            join movements on movements.tenant_id = first_months.tenant_id
            where movements.period_start_date >= first_months.cohort_start_date
            group by all
        ),

        final as (
            select
                strftime(cohort_mrr.cohort_start_date, '%Y-%m') as cohort,
                strftime(cohort_mrr.period_start_date, '%Y-%m') as period,
                cast(datediff('month', cohort_mrr.cohort_start_date, cohort_mrr.period_start_date) as integer)
                    as months_since_start,
                cohort_starts.cohort_tenants,
                cohort_starts.starting_mrr_amount,
                cohort_mrr.mrr_amount,
            from cohort_mrr
            join cohort_starts using (cohort_start_date)
        )

        select * from final order by cohort, months_since_start
        """,
    )


# --- Tenants ---


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def tenant_signals(snapshot: Snapshot, today: date) -> pd.DataFrame:
    """One row per tenant: ``tenant_id, name, segment, country, current_state, current_plan_id,
    events_last_30_days, events_prior_30_days, max_days_past_due, open_amount``: the health score's inputs.
    """
    return read_frame(
        snapshot,
        """
        with

        tenants as (select * from marts.dim_tenants),

        usage_windows as (
            select
                tenant_id,
                sum(case when usage_date > $today - 30 then event_count else 0 end) as events_last_30_days,
                sum(case when usage_date <= $today - 30 then event_count else 0 end) as events_prior_30_days,
            from marts.fct_usage_daily
            where usage_date > $today - 60 and usage_date <= $today
            group by tenant_id
        ),

        receivables as (
            select tenant_id, max(days_past_due) as max_days_past_due, sum(open_amount) as open_amount
            from marts.fct_ar_aging
            group by tenant_id
        ),

        final as (
            select
                tenants.tenant_id,
                tenants.name,
                tenants.segment,
                tenants.country,
                tenants.current_state,
                tenants.current_plan_id,
                cast(coalesce(usage_windows.events_last_30_days, 0) as bigint) as events_last_30_days,
                cast(coalesce(usage_windows.events_prior_30_days, 0) as bigint) as events_prior_30_days,
                cast(coalesce(greatest(receivables.max_days_past_due, 0), 0) as integer) as max_days_past_due,
                coalesce(receivables.open_amount, 0) as open_amount,
            from tenants
            left join usage_windows using (tenant_id)
            left join receivables using (tenant_id)
        )

        select * from final order by tenant_id
        """,
        {"today": today},
    )


@st.cache_data(ttl=QUERY_TTL, show_spinner=False)
def tenant_usage_by_month(snapshot: Snapshot, tenant_id: str) -> pd.DataFrame:
    """``period, metric_id, package_id, event_count, quantity`` for one tenant."""
    return read_frame(
        snapshot,
        """
        select
            strftime(usage_date, '%Y-%m') as period,
            metric_id,
            coalesce(package_id, '(platform)') as package_id,
            cast(sum(event_count) as bigint) as event_count,
            sum(quantity) as quantity,
        from marts.fct_usage_daily
        where tenant_id = $tenant_id
        group by all
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
    """Per package: ``package_id, name, publisher_name, category, latest_version, tenants_ever,
    active_tenants, gmv_amount, platform_fee_amount, partner_payout_amount, currency`` for ``period``.

    ``tenants_ever`` stands in for installs (the marts hold no install events: a tenant that ever ran
    the package has installed it); ``active_tenants`` ran it in the period.
    """
    return read_frame(
        snapshot,
        """
        with

        packages as (select * from marts.dim_packages),

        adoption as (
            select
                package_id,
                count(distinct tenant_id) as tenants_ever,
                count(distinct case when strftime(usage_date, '%Y-%m') = $period then tenant_id end)
                    as active_tenants,
            from marts.fct_usage_daily
            where package_id is not null
            group by package_id
        ),

        revenue as (
            select
                package_id,
                any_value(currency) as currency,
                sum(line_amount) as gmv_amount,
                sum(platform_fee_amount) as platform_fee_amount,
                sum(partner_payout_amount) as partner_payout_amount,
            from marts.fct_revenue_monthly
            where period = $period and package_id is not null
            group by package_id
        ),

        final as (
            select
                packages.package_id,
                packages.name,
                packages.publisher_name,
                packages.category,
                packages.latest_version,
                cast(coalesce(adoption.tenants_ever, 0) as bigint) as tenants_ever,
                cast(coalesce(adoption.active_tenants, 0) as bigint) as active_tenants,
                coalesce(revenue.gmv_amount, 0) as gmv_amount,
                coalesce(revenue.platform_fee_amount, 0) as platform_fee_amount,
                coalesce(revenue.partner_payout_amount, 0) as partner_payout_amount,
                coalesce(revenue.currency, 'usd') as currency,
            from packages
            left join adoption using (package_id)
            left join revenue using (package_id)
        )

        select * from final order by gmv_amount desc, package_id
        """,
        {"period": period},
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
