"""Governance and pipeline health: findings by rule and policy over time, approval rates, review time
against the due date; Dagster's latest runs, each asset's freshness, quarantine and reconciliation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import backoffice, charts, operational, pipeline, queries, review, ui
from app.formatting import age, count
from atom.freshness import FRESHNESS_OBJECTIVE_SECONDS, freshness
from atom.opdb.registry import utcnow
from atom.settings import get_settings

ui.require_identity({"admin", "reviewer", "analyst"})
settings = get_settings()
now = utcnow()
st.title("Governance & pipeline health")

st.header("Package governance")
with operational.session() as session:
    submissions = backoffice.submissions_frame(session)
    findings, policies = backoffice.findings_frame(session)

if submissions.empty:
    st.info("No package submissions yet: publishers submit through `POST /v1/packages`.")
else:
    decided = submissions[submissions["status"].isin(["approved", "rejected"])]
    human = submissions[submissions["reviewed_by"].notna()]
    cols = st.columns(5)
    cols[0].metric("Submissions", count(len(submissions)), border=True)
    cols[1].metric(
        "Waiting for review", count(int((submissions["status"] == "in_review").sum())), border=True
    )
    cols[2].metric(
        "Approval rate",
        f"{(decided['status'] == 'approved').mean() * 100:.0f}%" if len(decided) else "n/a",
        help="Approved ÷ (approved + rejected), scanner and reviewers together.",
        border=True,
    )
    cols[3].metric(
        "Auto-approved",
        f"{((submissions['scanner_decision'] == 'approve') & submissions['reviewed_by'].isna()).sum():,}",
        border=True,
    )
    cols[4].metric(
        "Reviewer approval rate",
        f"{(human['status'] == 'approved').mean() * 100:.0f}%" if len(human) else "n/a",
        border=True,
    )
    outcomes = (
        submissions.assign(
            decided_by=submissions["reviewed_by"].map(
                lambda r: "scanner" if r is None or pd.isna(r) else "reviewer"
            )
        )
        .groupby(["status", "decided_by"], as_index=False)
        .size()
        .rename(columns={"size": "submissions"})
    )
    ui.chart_with_table(
        charts.counts_over_time(
            outcomes,
            x="status",
            color="decided_by",
            y="submissions",
            title="Submissions by outcome (count)",
            x_label="Status",
            y_label="Submissions (count)",
            file_name="submission_outcomes.csv",
        ),
        key="outcomes",
    )
    by_rule = findings.groupby(["week", "rule"], as_index=False).size().rename(columns={"size": "findings"})
    ui.chart_with_table(
        charts.counts_over_time(
            by_rule,
            x="week",
            color="rule",
            y="findings",
            title="Findings by rule per week of submission (count)",
            x_label="Week (Monday, UTC)",
            y_label="Findings (count)",
            file_name="findings_by_rule.csv",
        ),
        key="findings_by_rule",
        empty_message="No findings in any report.",
    )
    failing = (
        policies[policies["status"] == "fail"]
        .groupby(["week", "policy"], as_index=False)
        .size()
        .rename(columns={"size": "failures"})
    )
    ui.chart_with_table(
        charts.counts_over_time(
            failing,
            x="week",
            color="policy",
            y="failures",
            title="Policy failures per week of submission (count)",
            x_label="Week (Monday, UTC)",
            y_label="Failed submissions (count)",
            file_name="policy_failures.csv",
        ),
        key="policy_failures",
        empty_message="No policy failed.",
    )
    reviewed = submissions[submissions["reviewed_at"].notna()]
    if reviewed.empty:
        st.caption("No reviewer decisions yet, so no review times.")
    else:
        due_days = settings.atom_review_due_days
        times = pd.DataFrame(
            {
                "Submission": reviewed["submission_id"],
                "package": reviewed["package"],
                "version": reviewed["version"],
                "hours": [
                    round((d - s).total_seconds() / 3600, 1)
                    for d, s in zip(reviewed["reviewed_at"], reviewed["submitted_at"], strict=True)
                ],
                "past_due": [
                    d > review.add_working_days(s, due_days)
                    for d, s in zip(reviewed["reviewed_at"], reviewed["submitted_at"], strict=True)
                ],
            }
        )
        ui.chart_with_table(charts.review_times(times, due_days), key="review_times")

st.header("Pipeline health")
state = freshness(settings)
lag_col, as_of_col, waiting_col = st.columns(3)
lag_col.metric(
    "Freshness",
    age(state.lag_seconds) if state.as_of else "never built",
    delta="within objective" if state.within_objective else f"objective {FRESHNESS_OBJECTIVE_SECONDS} s",
    delta_color="normal" if state.within_objective else "inverse",
    delta_arrow="off",
    help=f"How long the oldest batch not yet in the portal has waited (0 s when none waits), against the "
    f"{FRESHNESS_OBJECTIVE_SECONDS} s objective: a sensor builds when batches land, at most once a minute.",
    border=True,
)
as_of_col.metric(
    "Data as of",
    f"{state.as_of:%H:%M:%S} UTC" if state.as_of else "never built",
    help="Everything landed before this moment is in the serving snapshot.",
    border=True,
)
waiting_col.metric("Batches waiting for a build", count(state.pending_batches), border=True)
runs = pipeline.recent_runs(str(settings.dagster_home))
asset_ages = pipeline.asset_freshness(str(settings.dagster_home), now.replace(second=0, microsecond=0))
st.subheader("Latest Dagster runs")
if runs.empty:
    st.caption(f"No Dagster runs recorded under {settings.dagster_home}.")
else:
    ui.table_with_csv(runs, key="runs", file_name="dagster_runs.csv")
st.subheader("Metrics and alerts")
# Prometheus reads these; deploy/monitoring/alerts.yml alerts on them and its Grafana dashboard charts them.
links = []
if settings.dagster_url:
    links.append(
        f"[Dagster's runs]({settings.dagster_url.rstrip('/')}/runs): every build and month close, its logs"
    )
if settings.atom_metrics_url:
    links.append(
        f"[Run and check metrics]({settings.atom_metrics_url}): `atom_dagster_runs_total`, "
        "`atom_dagster_run_duration_seconds`, `atom_dagster_last_success_timestamp_seconds`, "
        "`atom_dagster_asset_check_passed`, `atom_billing_invoice_drift_tenants`, `atom_ingest_events_total`"
    )
if settings.atom_portal_metrics_port:
    links.append(
        f"[Portal page times](http://localhost:{settings.atom_portal_metrics_port}/metrics): "
        "`atom_portal_page_seconds` by page, on the portal's host"
    )
if links:
    st.markdown("\n".join(f"- {link}" for link in links))
st.caption(
    "Metrics are served by `atom orchestrator` (Dagster's runs and checks, port 9464) and `atom portal` "
    "(page times, port 9465); the alert rules and the Grafana dashboard are in `deploy/monitoring/`, "
    "the metric names in docs/deploy.md (Metrics)."
)
st.subheader("Freshness of each asset")
if asset_ages.empty:
    st.caption("No asset has been materialized yet.")
else:
    ui.table_with_csv(asset_ages, key="freshness", file_name="asset_freshness.csv", height=320)

snapshot = ui.snapshot_or_message(queries.PIPELINE_TABLES)
if snapshot is not None:
    totals = queries.ingest_totals(snapshot).iloc[0]
    st.subheader("Reconciliation: received = loaded + duplicates + quarantined")
    cols = st.columns(5)
    for col, (label, key) in zip(
        cols,
        [
            ("Received", "received"),
            ("Loaded", "loaded"),
            ("Duplicates", "duplicates"),
            ("Quarantined", "quarantined"),
            ("Unreconciled batches", "unreconciled_batches"),
        ],
        strict=True,
    ):
        col.metric(label, count(int(totals[key])), border=True)
    if int(totals["unreconciled_batches"]):
        st.error(f"{int(totals['unreconciled_batches'])} batch(es) do not reconcile: see the table below.")
    ui.table_with_csv(
        queries.ingest_batches(snapshot), key="batches", file_name="ingest_batches.csv", height=280
    )
    st.subheader("Quarantine by reason")
    ui.chart_with_table(
        charts.counts_over_time(
            queries.quarantine_by_week(snapshot),
            x="week_start_date",
            color="reason",
            y="quarantined",
            title="Quarantined events by reason per landing week (events)",
            x_label="Landing week (Monday, UTC)",
            y_label="Quarantined (events)",
            file_name="quarantine_by_week.csv",
        ),
        key="quarantine_weekly",
        empty_message="No events quarantined.",
    )
