"""Billing desk (finance): months and their state, run billing for a month, invoices, AR aging and DSO,
partner payouts. The run goes to the orchestrator through app.billing_runs (Dagster's GraphQL API)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from app import auth, backoffice, billing_runs, charts, operational, queries, ui
from app.formatting import money
from atom.settings import get_settings
from billing.periods import current_period, month_has_ended

identity = ui.require_identity({"admin", "finance"})
snapshot = ui.require_snapshot(queries.BILLING_TABLES)
st.title("Billing desk")
today_period = current_period()
metrics = queries.revenue_metrics(snapshot)
with operational.session() as session:
    runs = backoffice.billing_runs(session)

months = pd.DataFrame(
    {
        "Month": metrics["period"],
        "State": [
            "finalized" if p in runs else ("open (in progress)" if p == today_period else "open")
            for p in metrics["period"]
        ],
        "Finalized at (UTC)": [runs[p].finalized_at if p in runs else None for p in metrics["period"]],
        "Documents": [runs[p].document_count if p in runs else None for p in metrics["period"]],
        "Rated usage": metrics["usage_revenue_amount"],
        "Rated recurring": metrics["recurring_revenue_amount"],
        "Unbilled usage": metrics["unbilled_usage_amount"],
        "Invoiced": metrics["invoiced_amount"],
        "Collected": metrics["collected_amount"],
        "DSO (days)": metrics["days_sales_outstanding"],
    }
).iloc[::-1]
st.subheader("Months")
ui.table_with_csv(months, key="billing_months", file_name="billing_months.csv")

st.subheader("Run billing")
# Months close in order (billing/finalize.py refuses a month before the latest closed one), so only
# the open whole months after the last closed month are offered.
last_closed = max(runs, default="")
closable = sorted(p for p in months["Month"] if last_closed < p and month_has_ended(p))
via = f"Dagster at {get_settings().dagster_url}" if get_settings().dagster_url else ""
if not via:
    st.info(billing_runs.NO_ORCHESTRATOR)
elif not closable:
    st.caption(
        f"Every whole month up to {last_closed} is finalized; {today_period} can be closed once it has ended."
        if last_closed
        else "No whole month in the snapshot to finalize yet."
    )
else:
    period = st.selectbox(
        "Month to finalize", closable, key="billing_period", help="Months close in order, oldest first."
    )
    st.caption(
        f"Launches the monthly `billing_job` partition {via}: finalizes invoices, syncs them to Stripe and records "
        "partner payouts. Safe to run twice."
    )
    if st.button(f"Run billing for {period}", key="billing_run", type="primary"):
        auth.record(identity, "billing.run_requested", "billing_period", period, {"via": via})
        with st.status(f"Running billing for {period}…", expanded=True) as status:
            result = billing_runs.launch_billing(period, progress=status.write)
            status.update(label=result.message, state="complete" if result.success else "error")
        auth.record(
            identity,
            "billing.run_finished" if result.success else "billing.run_failed",
            "billing_period",
            period,
            {"via": result.via, "run_id": result.run_id, "message": result.message},
        )
        (st.success if result.success else st.error)(result.message)

st.subheader("Invoices")
with operational.session() as session:
    invoice_months = sorted({p for p in runs} | {today_period}, reverse=True)
    invoice_period = st.selectbox(
        "Invoices of", ["All months", *invoice_months], key="billing_invoice_period"
    )
    invoices = backoffice.invoices(session, period=None if invoice_period == "All months" else invoice_period)
    payouts = backoffice.partner_payouts(session)
if invoices.empty:
    st.caption("No finalized invoices: run billing for a month above.")
else:
    status_counts = invoices.groupby("Status").size()
    cols = st.columns(max(len(status_counts), 1))
    for col, (name, number) in zip(cols, status_counts.items(), strict=False):
        col.metric(f"{name.capitalize()} invoices", f"{number:,}", border=True)
    ui.table_with_csv(invoices, key="billing_invoices", file_name="invoices.csv", height=360)

st.subheader("Receivables: AR aging and DSO")
aging = queries.ar_aging(snapshot)
open_total = sum((Decimal(v) for v in aging["open_amount"]), Decimal(0))
latest_dso = next(
    (v for v in reversed(list(metrics["days_sales_outstanding"])) if v is not None and not pd.isna(v)), None
)
left, right = st.columns(2)
left.metric("Open receivables", money(open_total, charts.DEFAULT_CURRENCY), border=True)
right.metric(
    "DSO (latest closed month)",
    f"{Decimal(latest_dso):.1f} days" if latest_dso is not None else "n/a",
    help="DSO = receivables at month end ÷ invoices issued in the month × days in the month.",
    border=True,
)
ui.chart_with_table(
    charts.ar_aging(aging), key="ar_aging", empty_message="Nothing is owed: no open receivables."
)

st.subheader("Partner payouts")
if payouts.empty:
    st.caption("No payouts recorded yet: a billing run records them.")
else:
    ui.table_with_csv(payouts, key="billing_payouts", file_name="partner_payouts.csv")
