"""Revenue: MRR movements with drill-down, NRR/GRR, ARPA, cohorts, usage beside recurring, unbilled usage.

Definitions are the finance marts' (dbt_project/models/marts/finance/_finance__models.yml), repeated on
the page so nobody has to guess what a number means.
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from app import charts, queries, ui
from app.formatting import money
from billing.periods import current_period

FORMULAS = """
| Metric | Formula |
|---|---|
| **MRR** | Σ tenants' run-rate plan fees on the month's last day (plans, not invoices; trials excluded) |
| **ARR** | MRR × 12 |
| **Movements** | per tenant, previous = last month's MRR: *new* 0 → >0 first time; *reactivation* 0 → >0 again; *churn* >0 → 0; *expansion* / *contraction* up / down |
| **NRR** | (starting MRR + expansion − contraction − churn) ÷ starting MRR (new and reactivation excluded) |
| **GRR** | (starting MRR − contraction − churn) ÷ starting MRR |
| **ARPA** | MRR ÷ paying tenants (MRR > 0) |
| **Cohort retention** | MRR the cohort still holds ÷ its starting MRR; cohort = first month with MRR |
| **Usage revenue** | the month's rated usage lines (beside MRR, never in it) |
| **Unbilled usage** | rated usage of a month with no finalized invoices yet (this month: so far) |
"""

ui.require_identity({"admin", "finance", "analyst"})
snapshot = ui.require_snapshot(queries.REVENUE_TABLES)
st.title("Revenue")
metrics = queries.revenue_metrics(snapshot)
if metrics.empty:
    st.info("No revenue metrics in the snapshot yet: run `atom build` after usage and subscriptions exist.")
    st.stop()

this_period = current_period()
periods = list(metrics["period"])
default = periods.index(this_period) if this_period in periods else len(periods) - 1
period = st.selectbox("Month", periods, index=default, key="revenue_period")
row = metrics[metrics["period"] == period].iloc[0]
currency = str(row["currency"])


def _percent(value: object) -> str:
    return (
        "n/a"
        if value is None or str(value) in ("nan", "None", "NaN")
        else f"{Decimal(str(value)) * 100:.1f}%"
    )


mrr_col, arr_col, arpa_col = st.columns(3)
nrr_col, grr_col, unbilled_col = st.columns(3)
mrr_col.metric("MRR", money(Decimal(row["mrr_amount"]), currency), border=True)
arr_col.metric("ARR", money(Decimal(row["arr_amount"]), currency), border=True)
nrr_col.metric("NRR", _percent(row["net_revenue_retention"]), border=True)
grr_col.metric("GRR", _percent(row["gross_revenue_retention"]), border=True)
arpa_col.metric("ARPA", money(Decimal(row["arpa_amount"] or 0), currency), border=True)
unbilled_col.metric(
    "Unbilled usage", money(Decimal(row["unbilled_usage_amount"] or 0), currency), border=True
)

with st.expander("How each number is computed", expanded=False):
    st.markdown(FORMULAS)

st.subheader("MRR movements")
ui.chart_with_table(charts.mrr_waterfall(row, period), key="mrr_waterfall")
movement = st.segmented_control(
    "Tenants behind a bar", list(charts.MOVEMENT_TYPES), default="New", key="revenue_movement"
)
if movement:
    tenants = queries.mrr_movement_tenants(snapshot, period, charts.MOVEMENT_TYPES[movement])
    if tenants.empty:
        st.caption(f"No {movement.lower()} MRR in {period}.")
    else:
        ui.table_with_csv(
            tenants.rename(
                columns={
                    "tenant_id": "Tenant",
                    "name": "Name",
                    "previous_mrr_amount": "MRR before",
                    "mrr_amount": "MRR after",
                    "movement_amount": "Movement",
                }
            ),
            key="movement_tenants",
            file_name=f"mrr_{charts.MOVEMENT_TYPES[movement]}_{period}.csv",
        )

st.subheader("Retention and ARPA")
ui.chart_with_table(
    charts.retention(metrics), key="retention", empty_message="No month with starting MRR yet."
)
ui.chart_with_table(charts.arpa(metrics), key="arpa")
ui.chart_with_table(
    charts.cohort_heatmap(queries.mrr_cohorts(snapshot)), key="cohorts", empty_message="No cohorts yet."
)

st.subheader("Usage revenue beside recurring revenue")
ui.chart_with_table(charts.mrr_and_revenue(metrics), key="mrr_and_revenue")
