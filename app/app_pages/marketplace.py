"""Marketplace: packages (installs, active tenants, GMV, take rate) and publishers' monthly statements."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from app import charts, queries, ui
from app.formatting import money
from billing.periods import current_period

ui.require_identity({"admin", "finance", "analyst"})
snapshot = ui.require_snapshot(queries.MARKETPLACE_TABLES)
st.title("Marketplace")

months = list(queries.marketplace_periods(snapshot)["period"]) or [current_period()]
period = st.selectbox("Month", months, key="marketplace_period")
packages = queries.package_performance(snapshot, period)

currencies = sorted(packages["currency"].unique()) or [charts.DEFAULT_CURRENCY]
st.metric("Packages", f"{packages['package_id'].nunique():,}", border=True)
for currency in currencies:  # amounts in different currencies are never added together
    rows = packages[packages["currency"] == currency]
    gmv = sum((Decimal(v) for v in rows["gmv_amount"]), Decimal(0))
    fee = sum((Decimal(v) for v in rows["platform_fee_amount"]), Decimal(0))
    code = "" if len(currencies) == 1 else f" ({currency.upper()})"
    cols = st.columns(3)
    cols[0].metric(
        f"GMV, {period}{code}",
        money(gmv, currency),
        help="Tenant billings for packages (not revenue).",
        border=True,
    )
    cols[1].metric(f"Platform fee{code}", money(fee, currency), border=True)
    cols[2].metric(
        f"Take rate{code}",
        f"{fee / gmv * 100:.1f}%" if gmv else "n/a",
        help="Platform fee ÷ GMV.",
        border=True,
    )
st.caption(
    "Installs: tenants that installed the package up to this month (install events, POST /v1/installs). "
    "Active tenants: ran it this month. GMV: the package's rated lines. Take rate = platform fee ÷ GMV. Partner "
    "payout = GMV − platform fee."
)

ui.chart_with_table(charts.package_gmv(packages, period), key="package_gmv", empty_message="No packages yet.")
table = pd.DataFrame(
    {
        "Package": packages["package_name"],
        "Publisher": packages["publisher_name"],
        "Category": packages["category"],
        "Latest version": packages["latest_version"],
        "Installs (tenants to date)": packages["cumulative_tenants"],
        "Active tenants": packages["active_tenants"],
        "New tenants": packages["new_tenants"],
        "Currency": packages["currency"].str.upper(),
        "GMV": packages["gmv_amount"],
        "Platform fee": packages["platform_fee_amount"],
        "Partner payout": packages["partner_payout_amount"],
        "Take rate (%)": [
            None if rate is None or pd.isna(rate) else (Decimal(rate) * 100).quantize(Decimal("0.1"))
            for rate in packages["take_rate"]
        ],
    }
)
ui.table_with_csv(table, key="packages", file_name=f"packages_{period}.csv", height=360)

st.subheader("Publishers: monthly statements")
st.caption(
    "Billed = gross package revenue in the month's finalized invoices; paid out = the recorded payout."
)
statements = queries.partner_statements(snapshot)
if statements.empty:
    st.info("No partner statements yet: they appear once a month is finalized on the Billing desk.")
else:
    publishers = sorted(statements["publisher_name"].unique())
    chosen = st.selectbox("Publisher", ["All publishers", *publishers], key="marketplace_publisher")
    shown = statements if chosen == "All publishers" else statements[statements["publisher_name"] == chosen]
    ui.table_with_csv(
        shown[
            [
                "statement_period",
                "publisher_id",
                "publisher_name",
                "currency",
                "invoice_count",
                "tenant_count",
                "gross_amount",
                "adjustment_amount",
                "platform_fee_amount",
                "partner_payout_amount",
                "recorded_payout_amount",
                "stripe_transfer_id",
                "is_conserved",
            ]
        ].rename(
            columns={
                "statement_period": "Month",
                "publisher_id": "Publisher id",
                "publisher_name": "Publisher",
                "currency": "Currency",
                "invoice_count": "Invoices",
                "tenant_count": "Tenants",
                "gross_amount": "Billed (gross)",
                "adjustment_amount": "Adjustments",
                "platform_fee_amount": "Platform fee",
                "partner_payout_amount": "Payout due",
                "recorded_payout_amount": "Paid out",
                "stripe_transfer_id": "Stripe transfer",
                "is_conserved": "Payout + fee = gross",
            }
        ),
        key="statements",
        file_name="partner_statements.csv" if chosen == "All publishers" else f"statement_{chosen}.csv",
    )
