"""Money on screen and in CSVs stays exact; months are UTC calendar months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from app import charts
from app.formatting import age, count_delta, money, money_delta
from billing.periods import period_of, previous_period


def test_money_is_shown_with_the_currencys_minor_units() -> None:
    assert money(Decimal("1234.5"), "usd") == "$1,234.50"
    assert money(Decimal("0.005"), "usd") == "$0.01"  # half-up, as the marts round
    assert money(Decimal("-3"), "eur") == "-€3.00"
    assert money(Decimal("1234.5"), "jpy") == "¥1,235"
    assert money(Decimal("7"), "chf") == "CHF 7.00"
    assert money(None, "usd") == "$0.00"


def test_deltas_carry_their_sign() -> None:
    assert money_delta(Decimal("21.35"), "usd") == "+$21.35"
    assert money_delta(Decimal("-0.5"), "usd") == "-$0.50"
    assert count_delta(0) == "+0"
    assert count_delta(-1200) == "-1,200"


def test_previous_period_crosses_the_year() -> None:
    assert period_of(date(2026, 1, 31)) == "2026-01"
    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2026-03") == "2026-02"


def test_snapshot_age_reads_at_a_glance() -> None:
    assert age(5) == "5 s"
    assert age(600) == "10 min"
    assert age(7300) == "2 h"
    assert age(3 * 86400) == "3 d"


def test_revenue_csv_holds_exact_cents_while_the_figure_gets_floats() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2026-10", "2026-10"],
            "revenue_stream": ["usage · workflow_runs", "recurring"],
            "currency": ["usd", "usd"],
            "line_amount": [Decimal("0.100000"), Decimal("0.200000")],
        }
    )

    chart = charts.revenue_by_month(frame)

    assert "0.10" in chart.csv and "0.20" in chart.csv
    assert "0.1000" not in chart.csv
    assert list(chart.table["Revenue (USD)"]) == [Decimal("0.10"), Decimal("0.20")]
    assert [trace.y[0] for trace in chart.figure.data] == [0.1, 0.2]
    assert chart.figure.layout.yaxis.title.text == "Revenue (USD)"


def test_revenue_in_two_currencies_is_never_stacked_together() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2026-10", "2026-10"],
            "revenue_stream": ["recurring", "recurring"],
            "currency": ["usd", "eur"],
            "line_amount": [Decimal("49"), Decimal("45")],
        }
    )

    chart = charts.revenue_by_month(frame)

    assert chart.figure.layout.title.text == "Revenue by month (EUR / USD)"
    assert len({trace.yaxis for trace in chart.figure.data}) == 2
