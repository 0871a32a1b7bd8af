"""Plotly figures for the portal, each with the table that backs it (shown beside it, offered as CSV).

Pure functions of DataFrames: no Streamlit, no SQL. Money is Decimal in the tables and becomes float
only inside the figure, the one place that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from app.formatting import quantize_money

DEFAULT_CURRENCY = "usd"


@dataclass(frozen=True)
class Chart:
    """A figure and its data: ``table`` is what the page shows beside it and offers as CSV."""

    figure: go.Figure
    table: pd.DataFrame
    file_name: str

    @property
    def csv(self) -> str:
        return self.table.to_csv(index=False)


def currency_label(frame: pd.DataFrame) -> str:
    """``USD`` (or ``EUR / USD`` if a snapshot ever mixes currencies: one price book has one)."""
    if "currency" not in frame or frame.empty:
        return DEFAULT_CURRENCY.upper()
    return " / ".join(sorted(str(c).upper() for c in frame["currency"].dropna().unique()))


def _money_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """Amounts with the currency's minor-unit places, still Decimal (exact in the table and the CSV)."""
    return pd.Series(
        [quantize_money(Decimal(a), str(c)) for a, c in zip(frame[column], frame["currency"], strict=True)],
        index=frame.index,
        dtype=object,
    )


def _as_float(values: pd.Series) -> pd.Series:
    return values.map(float)


def revenue_stream(kind: str, metric_id: str | None) -> str:
    """``usage · <metric>`` for usage lines, the kind (``recurring``) otherwise."""
    if kind == "usage":
        return f"usage · {metric_id or 'unknown metric'}"
    return kind


def revenue_by_month(frame: pd.DataFrame) -> Chart:
    """Stacked bars of monthly revenue by stream (usage per metric, recurring plan fees), from
    ``marts.fct_revenue_streams_monthly`` rows or rows already labelled with a ``revenue_stream``."""
    currency = currency_label(frame)
    amount_label = f"Revenue ({currency})"
    if "revenue_stream" in frame:  # already labelled
        streams = list(frame["revenue_stream"])
    else:  # marts.fct_revenue_streams_monthly rows: kind and metric_id
        streams = [
            revenue_stream(str(kind), None if pd.isna(metric) else str(metric))
            for kind, metric in zip(frame["kind"], frame["metric_id"], strict=True)
        ]
    table = pd.DataFrame(
        {
            "Month": frame["period"],
            "Revenue stream": pd.Series(streams, index=frame.index, dtype=object),
            "Currency": frame["currency"].str.upper(),
            amount_label: _money_column(frame, "line_amount"),
        }
    )
    figure = px.bar(
        table.assign(**{amount_label: _as_float(table[amount_label])}),
        x="Month",
        y=amount_label,
        color="Revenue stream",
        barmode="stack",
        # Amounts in different currencies never share a stack.
        facet_row="Currency" if table["Currency"].nunique() > 1 else None,
        title=f"Revenue by month ({currency})",
        labels={"Month": "Month (UTC)"},
    )
    figure.update_yaxes(tickformat=",.2f")
    return Chart(figure, table, "revenue_by_month.csv")


def events_per_day(frame: pd.DataFrame) -> Chart:
    table = pd.DataFrame(
        {"Day (UTC)": frame["usage_date"], "Events (events/day)": frame["event_count"].astype("int64")}
    )
    figure = px.line(
        table, x="Day (UTC)", y="Events (events/day)", title="Usage events per day", markers=len(table) < 40
    )
    return Chart(figure, table, "events_per_day.csv")


def top_packages(frame: pd.DataFrame, period: str) -> Chart:
    """Horizontal bars, the largest package on top."""
    currency = currency_label(frame)
    amount_label = f"Revenue ({currency})"
    table = pd.DataFrame(
        {
            "Package": frame["package_name"],
            "Package id": frame["package_id"],
            "Publisher": frame["publisher_name"],
            "Currency": frame["currency"].str.upper(),
            amount_label: _money_column(frame, "line_amount"),
        }
    )
    figure = px.bar(
        table.assign(**{amount_label: _as_float(table[amount_label])}),
        x=amount_label,
        y="Package",
        orientation="h",
        color="Currency" if table["Currency"].nunique() > 1 else None,
        title=f"Top {len(table)} packages by revenue, {period} ({currency})",
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(tickformat=",.2f")
    return Chart(figure, table, f"top_packages_{period}.csv")


def quarantine_by_reason(frame: pd.DataFrame) -> Chart:
    table = pd.DataFrame(
        {"Reason": frame["reason"], "Quarantined (events)": frame["quarantined"].astype("int64")}
    )
    figure = px.bar(table, x="Reason", y="Quarantined (events)", title="Quarantined events by reason")
    return Chart(figure, table, "quarantine_by_reason.csv")


# --- Revenue ---

MOVEMENTS: tuple[tuple[str, str, int], ...] = (
    # (label, fct_revenue_metrics_monthly column, sign), in the waterfall's order
    ("New", "new_mrr_amount", 1),
    ("Expansion", "expansion_mrr_amount", 1),
    ("Reactivation", "reactivation_mrr_amount", 1),
    ("Contraction", "contraction_mrr_amount", -1),
    ("Churn", "churned_mrr_amount", -1),
)
MOVEMENT_TYPES = {
    "New": "new",
    "Expansion": "expansion",
    "Reactivation": "reactivation",
    "Contraction": "contraction",
    "Churn": "churn",
}


def mrr_waterfall(row: pd.Series, period: str) -> Chart:
    """Starting MRR, the five movements, ending MRR; contraction and churn drawn as decreases."""
    currency = str(row["currency"])
    code = currency.upper()
    steps = [("Starting MRR", Decimal(row["starting_mrr_amount"]), "absolute")]
    steps += [(label, sign * Decimal(row[column]), "relative") for label, column, sign in MOVEMENTS]
    steps.append(("Ending MRR", Decimal(row["mrr_amount"]), "total"))
    amount_label = f"MRR ({code}/month)"
    table = pd.DataFrame(
        {"Step": [s[0] for s in steps], amount_label: [quantize_money(s[1], currency) for s in steps]}
    )
    figure = go.Figure(
        go.Waterfall(
            x=table["Step"],
            y=[float(s[1]) for s in steps],
            measure=[s[2] for s in steps],
            connector={"line": {"width": 1}},
        )
    )
    figure.update_layout(
        title=f"MRR movements, {period} ({code})", xaxis_title="Movement", yaxis_title=amount_label
    )
    figure.update_yaxes(tickformat=",.2f")
    return Chart(figure, table, f"mrr_movements_{period}.csv")


def mrr_and_revenue(metrics: pd.DataFrame) -> Chart:
    """Run-rate MRR beside the month's rated usage and recurring revenue (the two revenue views)."""
    code = currency_label(metrics)
    amount_label = f"Amount ({code})"
    long = []
    for row in metrics.itertuples(index=False):
        for label, value in (
            ("MRR (run rate)", row.mrr_amount),
            ("Usage revenue (rated)", row.usage_revenue_amount),
            ("Recurring revenue (rated)", row.recurring_revenue_amount),
            ("Unbilled usage", row.unbilled_usage_amount),
        ):
            long.append(
                {
                    "Month": row.period,
                    "Series": label,
                    amount_label: quantize_money(Decimal(value or 0), row.currency),
                }
            )
    table = pd.DataFrame(long, columns=["Month", "Series", amount_label])
    figure = px.bar(
        table.assign(**{amount_label: _as_float(table[amount_label])}),
        x="Month",
        y=amount_label,
        color="Series",
        barmode="group",
        title=f"MRR beside usage and recurring revenue ({code})",
        labels={"Month": "Month (UTC)"},
    )
    figure.update_yaxes(tickformat=",.2f")
    return Chart(figure, table, "mrr_and_revenue.csv")


def retention(metrics: pd.DataFrame) -> Chart:
    """NRR and GRR per month, in percent; months with no starting MRR have neither."""
    rows = []
    for row in metrics.itertuples(index=False):
        for label, value in (("NRR", row.net_revenue_retention), ("GRR", row.gross_revenue_retention)):
            if value is not None and not pd.isna(value):
                rows.append(
                    {
                        "Month": row.period,
                        "Metric": label,
                        "Retention (%)": (Decimal(value) * 100).quantize(Decimal("0.1")),
                    }
                )
    table = pd.DataFrame(rows, columns=["Month", "Metric", "Retention (%)"])
    figure = px.line(
        table.assign(**{"Retention (%)": _as_float(table["Retention (%)"])}),
        x="Month",
        y="Retention (%)",
        color="Metric",
        markers=True,
        title="Net and gross revenue retention (%)",
        labels={"Month": "Month (UTC)"},
    )
    return Chart(figure, table, "retention.csv")


def arpa(metrics: pd.DataFrame) -> Chart:
    code = currency_label(metrics)
    label = f"ARPA ({code}/account/month)"
    table = pd.DataFrame(
        {
            "Month": metrics["period"],
            "Paying tenants": metrics["paying_tenants"].astype("int64"),
            label: _money_column(metrics, "arpa_amount"),
        }
    )
    figure = px.bar(
        table.assign(**{label: _as_float(table[label])}),
        x="Month",
        y=label,
        title=f"Average revenue per account ({code})",
        labels={"Month": "Month (UTC)"},
    )
    return Chart(figure, table, "arpa.csv")


def cohort_heatmap(cohorts: pd.DataFrame) -> Chart:
    """Cohort MRR retention (``marts.fct_mrr_cohorts``): MRR the cohort still holds ÷ its starting MRR, by
    months since start."""
    table = pd.DataFrame(
        {
            "Cohort": cohorts["cohort_period"],
            "Months since start": cohorts["months_since_start"].astype("int64"),
            "Tenants in cohort": cohorts["cohort_tenants"].astype("int64"),
            "Tenants retained": cohorts["retained_tenants"].astype("int64"),
            "MRR retained (%)": pd.Series(
                [(Decimal(r) * 100).quantize(Decimal("0.1")) for r in cohorts["mrr_retention"]],
                index=cohorts.index,
                dtype=object,
            ),
        }
    )
    grid = table.pivot(index="Cohort", columns="Months since start", values="MRR retained (%)").map(
        lambda v: None if v is None or pd.isna(v) else float(v)
    )
    figure = px.imshow(
        grid,
        text_auto=".0f",
        aspect="auto",
        color_continuous_scale="Blues",
        labels={
            "x": "Months since first MRR",
            "y": "Cohort (first month with MRR)",
            "color": "MRR retained (%)",
        },
        title="Cohort MRR retention (%)",
    )
    return Chart(figure, table, "cohort_retention.csv")


# --- Marketplace, billing, governance ---


def package_gmv(frame: pd.DataFrame, period: str, limit: int = 15) -> Chart:
    """The packages with the most GMV in ``period`` (``marts.fct_package_performance_monthly`` rows)."""
    top = frame.head(limit)
    code = currency_label(top)
    table = pd.DataFrame(
        {
            "Package": top["package_name"],
            "Publisher": top["publisher_name"],
            f"GMV ({code})": _money_column(top, "gmv_amount"),
            f"Platform fee ({code})": _money_column(top, "platform_fee_amount"),
        }
    )
    figure = px.bar(
        table.assign(**{f"GMV ({code})": _as_float(table[f"GMV ({code})"])}),
        x=f"GMV ({code})",
        y="Package",
        orientation="h",
        title=f"Top {len(table)} packages by GMV, {period} ({code})",
    )
    figure.update_yaxes(autorange="reversed")
    return Chart(figure, table, f"package_gmv_{period}.csv")


def tenant_usage(usage: pd.DataFrame, tenant_id: str) -> Chart:
    """One tenant's events per month, stacked by metric (``marts.fct_usage_monthly`` rows of the tenant)."""
    by_metric = usage.groupby(["period", "metric_id"], as_index=False)["event_count"].sum()
    table = by_metric.rename(columns={"period": "Month", "metric_id": "Metric", "event_count": "Events"})
    figure = px.bar(
        table,
        x="Month",
        y="Events",
        color="Metric",
        barmode="stack",
        title=f"Usage events by metric, {tenant_id} (events/month)",
        labels={"Month": "Month (UTC)"},
    )
    return Chart(figure, table, f"usage_{tenant_id}.csv")


AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def ar_aging(frame: pd.DataFrame) -> Chart:
    code = currency_label(frame)
    label = f"Open receivables ({code})"
    sums = {bucket: Decimal(0) for bucket in AGING_BUCKETS}
    counts = dict.fromkeys(AGING_BUCKETS, 0)
    for bucket, amount in zip(frame["aging_bucket"], frame["open_amount"], strict=True):
        sums[bucket] = sums.get(bucket, Decimal(0)) + Decimal(amount)
        counts[bucket] = counts.get(bucket, 0) + 1
    table = pd.DataFrame(
        {
            "Days past due": list(sums),
            "Invoices": [counts[b] for b in sums],
            label: [quantize_money(v, DEFAULT_CURRENCY) for v in sums.values()],
        }
    )
    figure = px.bar(
        table.assign(**{label: _as_float(table[label])}),
        x="Days past due",
        y=label,
        title=f"AR aging ({code})",
    )
    return Chart(figure, table, "ar_aging.csv")


def counts_over_time(
    frame: pd.DataFrame, *, x: str, color: str, y: str, title: str, x_label: str, y_label: str, file_name: str
) -> Chart:
    """Stacked bars of counts: findings by rule per week, quarantined events by reason per week."""
    table = frame.rename(columns={x: x_label, color: color.capitalize(), y: y_label})
    figure = px.bar(table, x=x_label, y=y_label, color=color.capitalize(), barmode="stack", title=title)
    return Chart(figure, table, file_name)


def review_times(frame: pd.DataFrame, due_days: int) -> Chart:
    """Hours from submission to a reviewer's decision, one bar per decided submission, beside the target."""
    table = frame.rename(
        columns={
            "package": "Package",
            "version": "Version",
            "hours": "Review time (hours)",
            "past_due": "Past due",
        }
    )
    figure = px.bar(
        table,
        x="Submission",
        y="Review time (hours)",
        color="Past due",
        title=f"Review time against the {due_days}-working-day due date (hours)",
        hover_data=["Package", "Version"],
    )
    return Chart(figure, table, "review_times.csv")
