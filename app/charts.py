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


def revenue_by_month(frame: pd.DataFrame) -> Chart:
    """Stacked bars of monthly revenue by stream (usage per metric, recurring plan fees)."""
    currency = currency_label(frame)
    amount_label = f"Revenue ({currency})"
    table = pd.DataFrame(
        {
            "Month": frame["period"],
            "Revenue stream": frame["revenue_stream"],
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
