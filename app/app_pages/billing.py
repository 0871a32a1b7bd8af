"""Billing desk (finance): months and their state, run billing for a month, invoices, AR aging and DSO,
partner payouts, and corrections (void, credit notes, payout accounts; each audited). The run goes to the
orchestrator through app.billing_runs (Dagster's GraphQL API); corrections go through billing.corrections,
which also sends them to Stripe (the dry-run outbox without STRIPE_API_KEY)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from app import auth, backoffice, billing_runs, charts, operational, queries, ui
from app.formatting import literal, money
from atom.settings import get_settings
from billing.corrections import CorrectionError
from billing.periods import current_period, month_has_ended

identity = ui.require_identity({"admin", "finance"})
snapshot = ui.require_snapshot(queries.BILLING_TABLES)
st.title("Billing desk")
today_period = current_period()
metrics = queries.revenue_metrics(snapshot)
with operational.session() as session:
    runs = backoffice.billing_runs(session)

currency = (
    str(metrics["currency"].iloc[0]) if "currency" in metrics and len(metrics) else charts.DEFAULT_CURRENCY
)


def _money_or_blank(value: object) -> str:
    """Money in the currency's minor units; blank where the mart has no value (never ``None``)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return money(Decimal(str(value)), currency)


def _days(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return f"{Decimal(str(value)):.1f}"


months = pd.DataFrame(
    {
        "Month": metrics["period"],
        "State": [
            "finalized" if p in runs else ("open (in progress)" if p == today_period else "open")
            for p in metrics["period"]
        ],
        "Finalized at (UTC)": [
            runs[p].finalized_at.strftime("%Y-%m-%d %H:%M") if p in runs else "" for p in metrics["period"]
        ],
        "Documents": [str(runs[p].document_count) if p in runs else "" for p in metrics["period"]],
        "Rated usage": [_money_or_blank(v) for v in metrics["usage_revenue_amount"]],
        "Rated recurring": [_money_or_blank(v) for v in metrics["recurring_revenue_amount"]],
        "Unbilled usage": [_money_or_blank(v) for v in metrics["unbilled_usage_amount"]],
        "Invoiced": [_money_or_blank(v) for v in metrics["invoiced_amount"]],
        "Credited": [
            _money_or_blank(v)
            for v in (metrics["credited_amount"] if "credited_amount" in metrics else [None] * len(metrics))
        ],
        "Collected": [_money_or_blank(v) for v in metrics["collected_amount"]],
        "DSO (days)": [_days(v) for v in metrics["days_sales_outstanding"]],
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

st.subheader("Corrections")
st.caption(
    "Invoices are never edited: a void changes only the status of an unpaid invoice (one with payments on it "
    "cannot be voided: credit what is still due instead), a credit note is a document of its own. Both are sent to Stripe and recorded in the audit log; AR aging, DSO and revenue "
    "show them after the next build."
)
gateway = backoffice.stripe_gateway()
with operational.session() as session:
    correctable = backoffice.correctable_invoices(session)
    accounts = backoffice.payout_accounts(session)
void_tab, credit_tab, account_tab = st.tabs(["Void an invoice", "Issue a credit note", "Payout accounts"])
with void_tab:
    voidable = correctable[correctable["Voidable"]] if not correctable.empty else correctable
    if voidable.empty:
        st.caption("No finalized invoice without payments to void.")
    else:
        labels = {
            f"{r.Number} · {r.Tenant} · {r.Total} ({r.Status})": r.Number for r in voidable.itertuples()
        }
        choice = st.selectbox("Invoice to void", list(labels), key="void_invoice")
        confirm = st.checkbox("Void it: the tenant no longer owes it", key="void_confirm")
        if st.button("Void invoice", key="void_submit", disabled=not confirm, type="primary"):
            number = labels[choice]
            try:
                with operational.session() as session:
                    voided = backoffice.void_as(session, identity, number, gateway)
            except CorrectionError as exc:
                st.error(exc.message)
            else:
                sent = (
                    "sent to Stripe"
                    if voided.stripe_mode == "live"
                    else (
                        "recorded in the Stripe outbox (dry run)"
                        if voided.stripe_mode
                        else "sent with the invoice's Stripe sync"
                    )
                )
                st.success(f"{number} is void; {sent}.")
with credit_tab:
    if correctable.empty:
        st.caption("No finalized invoice to credit.")
    else:
        labels = {
            f"{r['Number']} · {r['Tenant']} · {r['Total']}, {r['Left to credit']} left to credit": r["Number"]
            for r in correctable.to_dict("records")
        }
        choice = st.selectbox("Invoice to credit", list(labels), key="credit_invoice")
        amount = st.text_input(
            "Amount",
            key="credit_amount",
            placeholder="25.00",
            help="In the invoice's currency, at most what is left.",
        )
        reason = st.text_input("Reason", key="credit_reason", placeholder="Outage on 12 October")
        if st.button("Issue credit note", key="credit_submit", type="primary"):
            number = labels[choice]
            try:
                with operational.session() as session:
                    note = backoffice.credit_as(session, identity, number, amount, reason, gateway)
            except CorrectionError as exc:
                st.error(exc.message)
            else:
                st.success(
                    f"Credit note {note.number}: {money(Decimal(note.amount), note.currency)} against {number} "
                    f"({money(Decimal(note.remaining), note.currency)} left to credit)."
                )
with account_tab:
    ui.table_with_csv(accounts, key="payout_accounts", file_name="payout_accounts.csv")
    if not accounts.empty:
        publisher = st.selectbox("Publisher", list(accounts["Publisher"]), key="payout_publisher")
        account_id = st.text_input(
            "Stripe Connect account", key="payout_account", placeholder="acct_1Nv0FGQ9RKHgCVdK"
        )
        if st.button("Save payout account", key="payout_submit", type="primary"):
            try:
                with operational.session() as session:
                    previous = backoffice.set_payout_account(session, identity, publisher, account_id)
            except CorrectionError as exc:
                st.error(exc.message)
            else:
                was = f" (was {literal(previous)})" if previous else ""
                st.success(f"Payouts of {literal(publisher)} now go to {literal(account_id.strip())}{was}.")
