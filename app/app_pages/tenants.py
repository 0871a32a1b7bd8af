"""Tenants: a searchable list with lifecycle state and health, and one tenant in depth."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import backoffice, charts, operational, queries, ui
from app.health import BADGE, tenant_health

ui.require_identity({"admin", "finance", "analyst"})
snapshot = ui.require_snapshot(queries.TENANT_TABLES)
st.title("Tenants")

signals = queries.tenant_activity(snapshot)
with operational.session() as session:
    failed = backoffice.uncollectible_by_tenant(session)
healths = [
    tenant_health(
        state=row.current_state,
        events_last_30_days=int(row.events_last_30_days),
        events_prior_30_days=int(row.events_prior_30_days),
        max_days_past_due=int(row.max_days_past_due),
        failed_payments=failed.get(row.tenant_id, 0),
    )
    for row in signals.itertuples(index=False)
]
tenants = pd.DataFrame(
    {
        "Tenant": signals["tenant_id"],
        "Name": signals["tenant_name"],
        "State": signals["current_state"],
        "Health": [h.badge for h in healths],
        "Why": ["; ".join(h.reasons) for h in healths],
        "Plan": signals["current_plan_id"],
        "Segment": signals["segment"],
        "Country": signals["country"],
        "Events, last 30 days": signals["events_last_30_days"],
        "Events, 30 days before": signals["events_prior_30_days"],
        "Max days past due": signals["max_days_past_due"],
    }
)

counts = pd.Series([h.score for h in healths]).value_counts()
cols = st.columns(4)
cols[0].metric("Tenants", f"{len(tenants):,}", border=True)
for col, score in zip(cols[1:], ("green", "amber", "red"), strict=True):
    col.metric(BADGE[score].capitalize(), f"{int(counts.get(score, 0)):,}", border=True)

search, state_filter, health_filter = st.columns([2, 1, 1])
text = search.text_input("Search by id or name", key="tenant_search")
states = state_filter.multiselect("State", sorted(tenants["State"].dropna().unique()), key="tenant_states")
scores = health_filter.multiselect("Health", list(BADGE.values()), key="tenant_health")
shown = tenants
if text:
    needle = text.lower()
    shown = shown[
        shown["Tenant"].str.lower().str.contains(needle, regex=False)
        | shown["Name"].str.lower().str.contains(needle, regex=False)
    ]
if states:
    shown = shown[shown["State"].isin(states)]
if scores:
    shown = shown[shown["Health"].isin(scores)]
ui.table_with_csv(shown, key="tenants", file_name="tenants.csv", height=320)
if not signals.empty:
    st.caption(f"Usage windows as of {signals['as_of_date'].iloc[0]} (UTC), the day the snapshot was built.")
st.caption(
    "Health: red = past due or churned, over 30 days overdue, or a failed payment; amber = overdue, usage down 30 % or more, or no usage in 60 days."
)

if shown.empty:
    st.stop()
# One lookup for every option: building it inside format_func made the page quadratic in tenants
# (10 s of server time with the `large` demo's tenants).
names = dict(zip(tenants["Tenant"], tenants["Name"], strict=True))
tenant_id = st.selectbox(
    "Tenant", list(shown["Tenant"]), format_func=lambda t: f"{t} · {names.get(t, '')}", key="tenant_selected"
)
detail = tenants[tenants["Tenant"] == tenant_id].iloc[0]
st.header(f"{detail['Name']} ({tenant_id})")
st.caption(
    f"State {detail['State']} · plan {detail['Plan'] or 'none'} · health {detail['Health']}: {detail['Why']}"
)

usage = queries.tenant_usage_by_month(snapshot, tenant_id)
if usage.empty:
    st.info("No usage from this tenant in the snapshot.")
else:
    ui.chart_with_table(charts.tenant_usage(usage, tenant_id), key="tenant_usage")
    # A month of a max metric is its peak, of a unique_count metric its distinct values: months do not add
    # up, so the table lists them, newest first (decision 0096).
    st.markdown("**Usage by month, package and metric**")
    ui.table_with_csv(
        usage.assign(package_id=usage["package_id"].fillna("(platform)"))
        .sort_values(["period", "package_id", "metric_id"], ascending=[False, True, True])[
            ["period", "package_id", "metric_id", "aggregation", "event_count", "metric_quantity"]
        ]
        .rename(
            columns={
                "period": "Month",
                "package_id": "Package",
                "metric_id": "Metric",
                "aggregation": "Aggregation",
                "event_count": "Events",
                "metric_quantity": "Quantity",
            }
        ),
        key="tenant_packages",
        file_name=f"usage_by_month_{tenant_id}.csv",
    )

invoices_col, plans_col = st.columns([3, 2])
with invoices_col:
    st.markdown("**Invoices (finalized)**")
    with operational.session() as session:
        finalized = backoffice.invoices(session, tenant_id=tenant_id)
        plans = backoffice.plan_history(session, tenant_id)
    if finalized.empty:
        st.caption("No finalized invoices yet.")
    else:
        ui.table_with_csv(finalized, key="tenant_invoices", file_name=f"invoices_{tenant_id}.csv")
    st.markdown("**Draft invoices (rated, by month)**")
    ui.table_with_csv(
        queries.tenant_draft_invoices(snapshot, tenant_id),
        key="tenant_drafts",
        file_name=f"draft_invoices_{tenant_id}.csv",
    )
with plans_col:
    st.markdown("**Plan history**")
    if plans.empty:
        st.caption("No subscriptions in the operational DB.")
    else:
        st.dataframe(plans, hide_index=True, key="tenant_plans")
