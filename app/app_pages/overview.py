"""Overview: revenue, tenants, usage and quarantine at a glance. Layout only; SQL lives in app.queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import streamlit as st

from app import charts, operational, queries, review, ui
from app.connection import Snapshot
from app.formatting import age, count, count_delta, money, money_delta
from atom import clock
from atom.freshness import FRESHNESS_OBJECTIVE_SECONDS, freshness
from atom.settings import get_settings
from billing.periods import current_period, period_of, previous_period

LIVE_REFRESH = "15s"  # well inside the 60 s freshness objective (atom/freshness.py)

snapshot = ui.require_snapshot(queries.OVERVIEW_TABLES)
st.title("Overview")


@st.fragment(run_every=LIVE_REFRESH)
def live_tiles() -> None:
    # Re-read the snapshot's identity on every tick, so a swap shows within one refresh.
    live = ui.snapshot_or_message(queries.OVERVIEW_TABLES)
    if live is None:
        return
    today = clock.today()
    this_period = period_of(today)
    last_period = previous_period(this_period)
    yesterday = today - timedelta(days=1)
    revenue = queries.revenue_month_over_month(live, this_period)
    tenant_months = queries.active_tenants(live, (this_period, last_period))
    tenants_by_period = dict(zip(tenant_months["period"], tenant_months["active_tenants"], strict=True))
    usage_days = queries.usage_totals(live, (today, yesterday))
    events_by_day = dict(zip(usage_days["usage_date"], usage_days["event_count"], strict=True))
    quarantine = queries.quarantine_as_of(live, today)
    # From a snapshot built before today, the 7-day window ends on the day it was built (said in the help).
    quarantine_row = None if quarantine.empty else quarantine.iloc[0]

    latest_usage = queries.latest_usage_date(live)
    if latest_usage is None or period_of(latest_usage) < this_period:
        held = "it holds no usage" if latest_usage is None else f"its latest usage is from {latest_usage}"
        st.warning(
            f"The snapshot is older than this month ({this_period}, UTC): {held}, so this month's "
            "tiles show no activity. Run `atom build` to refresh it."
        )

    st.caption(f"This month: {this_period} (UTC calendar month, so far). Refreshes every {LIVE_REFRESH}.")
    if revenue.empty:  # no revenue rows at all yet: show zero rather than no tile
        revenue = pd.DataFrame(
            {"currency": [charts.DEFAULT_CURRENCY], "this_month_amount": [0], "last_month_amount": [0]}
        )
    for row in revenue.itertuples(index=False):
        this_month, last_month = Decimal(row.this_month_amount), Decimal(row.last_month_amount)
        code = str(row.currency).upper()
        first, second = st.columns(2)
        first.metric(
            f"Revenue this month ({code})",
            money(this_month, row.currency),
            money_delta(this_month - last_month, row.currency),
            help="Draft invoice lines of this month so far, against the whole of last month.",
            border=True,
        )
        second.metric(f"Revenue last month ({code})", money(last_month, row.currency), border=True)

    tenants, today_col, yesterday_col, quarantine_total, quarantine_week = st.columns(5)
    active = int(tenants_by_period.get(this_period, 0))
    active_before = int(tenants_by_period.get(last_period, 0))
    tenants.metric(
        "Active tenants this month", count(active), count_delta(active - active_before), border=True
    )
    today_events, yesterday_events = int(events_by_day.get(today, 0)), int(events_by_day.get(yesterday, 0))
    today_col.metric(
        "Events today", count(today_events), count_delta(today_events - yesterday_events), border=True
    )
    yesterday_col.metric("Events yesterday", count(yesterday_events), border=True)
    quarantine_total.metric(
        "Quarantined events",
        count(0 if quarantine_row is None else int(quarantine_row["quarantined_to_date"])),
        border=True,
    )
    week_end = None if quarantine_row is None else quarantine_row["landing_date"]
    quarantine_week.metric(
        "Quarantined, last 7 days",
        count(0 if quarantine_row is None else int(quarantine_row["quarantined_last_7_days"])),
        help="By landing day: the day the batch arrived"
        + ("." if week_end is None or week_end == today else f"; the 7 days up to {week_end}."),
        border=True,
    )

    business_tiles(live, this_period)


def business_tiles(live: Snapshot, this_period: str) -> None:
    """MRR and ARR, the review backlog and how fresh the pipeline is (issue 6, Overview)."""
    # Money needs the room: ARR runs to seven figures with cents.
    mrr_col, arr_col, waiting_col, past_due_col, fresh_col = st.columns([2, 2, 1, 1, 1])
    present = set(queries.mart_tables(live)["table_name"])
    if "fct_revenue_metrics_monthly" in present:
        metrics = queries.revenue_metrics(live)
        current = metrics[metrics["period"] <= this_period].tail(2)
        if not current.empty:
            row = current.iloc[-1]
            before = current.iloc[0] if len(current) > 1 else None
            currency = str(row["currency"])
            mrr = Decimal(row["mrr_amount"])
            delta = None if before is None else money_delta(mrr - Decimal(before["mrr_amount"]), currency)
            mrr_col.metric(
                f"MRR ({currency.upper()})",
                money(mrr, currency),
                delta,
                help="Run-rate plan MRR on the month's last day (plans, not invoices; usage revenue is separate).",
                border=True,
            )
            arr_col.metric(
                f"ARR ({currency.upper()})",
                money(Decimal(row["arr_amount"]), currency),
                help="MRR × 12.",
                border=True,
            )
    with operational.session() as session:
        waiting, past_due = review.waiting_counts(session, get_settings().atom_review_due_days)
    waiting_col.metric("Packages waiting for review", count(waiting), border=True)
    past_due_col.metric(
        "Reviews past due",
        count(past_due),
        help=f"Waiting longer than {get_settings().atom_review_due_days} working days.",
        border=True,
    )
    state = freshness(get_settings())
    fresh_col.metric(
        "Pipeline freshness",
        age(state.lag_seconds),
        help=f"How long the oldest batch not yet in the snapshot has waited (0 s: nothing waits); objective "
        f"{FRESHNESS_OBJECTIVE_SECONDS} s. Data as of "
        f"{(state.as_of or live.modified_at):%Y-%m-%d %H:%M:%S} UTC.",
        border=True,
    )


live_tiles()

this_period = current_period()

st.subheader("Revenue")
ui.chart_with_table(charts.revenue_by_month(queries.revenue_by_month(snapshot)), key="revenue_by_month")
ui.chart_with_table(
    charts.top_packages(queries.top_packages_by_revenue(snapshot, this_period, 10), this_period),
    key="top_packages",
    empty_message=f"No package revenue in {this_period} yet.",
)

st.subheader("Usage")
ui.chart_with_table(charts.events_per_day(queries.events_per_day(snapshot)), key="events_per_day")

st.subheader("Data quality")
ui.chart_with_table(
    charts.quarantine_by_reason(queries.quarantine_by_reason(snapshot)),
    key="quarantine_by_reason",
    empty_message="No events quarantined.",
)
