"""Marketplace: packages (installs, active tenants, GMV, take rate) and publishers' monthly statements."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from app import charts, queries, ui
from app.formatting import money
from app.periods import period_of, utc_today

ui.require_identity({"admin", "finance", "analyst"})
snapshot = ui.require_snapshot(queries.MARKETPLACE_TABLES)
st.title("Marketplace")

months = sorted(queries.revenue_by_month(snapshot)["period"].unique(), reverse=True) or [
    period_of(utc_today())
]
period = st.selectbox("Month", months, key="marketplace_period")
packages = queries.package_performance(snapshot, period)

gmv = sum((Decimal(v) for v in packages["gmv_amount"]), Decimal(0))
fee = sum((Decimal(v) for v in packages["platform_fee_amount"]), Decimal(0))
currency = str(packages["currency"].iloc[0]) if not packages.empty else charts.DEFAULT_CURRENCY
cols = st.columns(4)
cols[0].metric("Packages", f"{len(packages):,}", border=True)
cols[1].metric(
    f"GMV, {period}", money(gmv, currency), help="Tenant billings for packages (not revenue).", border=True
)
cols[2].metric("Platform fee", money(fee, currency), border=True)
cols[3].metric(
    "Take rate", f"{fee / gmv * 100:.1f}%" if gmv else "n/a", help="Platform fee ÷ GMV.", border=True
)
st.caption(
    "Installs: tenants that ever ran the package (the marts record runs, not installs). Active tenants: ran it "
    "this month. GMV: the package's rated lines. Take rate = platform fee ÷ GMV. Partner payout = GMV − platform fee."
)

ui.chart_with_table(charts.package_gmv(packages, period), key="package_gmv", empty_message="No packages yet.")
table = pd.DataFrame(
    {
        "Package": packages["name"],
        "Publisher": packages["publisher_name"],
        "Category": packages["category"],
        "Latest version": packages["latest_version"],
        "Installs (tenants ever)": packages["tenants_ever"],
        "Active tenants": packages["active_tenants"],
        "GMV": packages["gmv_amount"],
        "Platform fee": packages["platform_fee_amount"],
        "Partner payout": packages["partner_payout_amount"],
        "Take rate (%)": [
            (Decimal(f) / Decimal(g) * 100).quantize(Decimal("0.1")) if Decimal(g) else None
            for f, g in zip(packages["platform_fee_amount"], packages["gmv_amount"], strict=True)
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
