"""The Overview page, run through Streamlit's AppTest on a hand-made serving snapshot."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from atom.clock import today as utc_today
from billing.periods import period_of
from tests.app.conftest import PortalHome, run_portal, sample_marts, write_serving_snapshot


def _metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {metric.label: (metric.value, metric.delta) for metric in at.metric}


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_overview_tiles_show_what_the_snapshot_holds(portal_home: PortalHome) -> None:
    rows, facts = sample_marts(utc_today())
    write_serving_snapshot(portal_home.serving, rows)

    at = run_portal()

    assert not at.exception
    metrics = _metrics(at)
    assert facts.revenue_this_month == Decimal("199.35")
    assert metrics["Revenue this month (USD)"] == ("$199.35", "+$21.35")
    assert metrics["Revenue last month (USD)"][0] == "$178.00"
    assert metrics["Active tenants this month"] == ("3", "+1")
    assert metrics["Events today"] == ("15", "+8")
    assert metrics["Events yesterday"][0] == "7"
    assert metrics["Quarantined events"][0] == "8"
    assert metrics["Quarantined, last 7 days"][0] == "3"
    assert not at.warning, "a snapshot with this month's data is not stale"


def test_every_chart_has_a_title_axis_units_and_a_csv_download(portal_home: PortalHome) -> None:
    today = utc_today()
    write_serving_snapshot(portal_home.serving, sample_marts(today)[0])

    at = run_portal()

    figures = {fig["layout"]["title"]["text"]: fig["layout"] for fig in _figures(at)}
    assert set(figures) == {
        "Revenue by month (USD)",
        f"Top 2 packages by revenue, {period_of(today)} (USD)",
        "Usage events per day",
        "Quarantined events by reason",
    }
    assert figures["Revenue by month (USD)"]["yaxis"]["title"]["text"] == "Revenue (USD)"
    assert figures["Revenue by month (USD)"]["barmode"] == "stack"
    assert figures["Usage events per day"]["yaxis"]["title"]["text"] == "Events (events/day)"
    assert figures["Usage events per day"]["xaxis"]["title"]["text"] == "Day (UTC)"
    assert figures["Quarantined events by reason"]["yaxis"]["title"]["text"] == "Quarantined (events)"
    downloads = at.get("download_button")
    assert len(downloads) == len(figures)
    assert len(at.dataframe) == len(figures)


def test_revenue_chart_stacks_usage_by_metric_and_recurring_fees(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(utc_today())[0])

    at = run_portal()

    revenue = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith("Revenue by month"))
    assert {trace["name"] for trace in revenue["data"]} == {
        "usage · workflow_runs",
        "usage · compute_seconds",
        "recurring",
    }


def test_top_packages_are_ranked_by_this_months_revenue_with_exact_amounts(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(utc_today())[0])

    at = run_portal()

    table = next(df.value for df in at.dataframe if "Package" in df.value.columns)
    assert list(table["Package"]) == ["Slack notify", "PDF render"]
    assert list(table["Revenue (USD)"]) == [Decimal("100.25"), Decimal("50.10")]


def test_missing_snapshot_tells_to_run_atom_build(portal_home: PortalHome) -> None:
    at = run_portal()

    assert not at.exception
    assert any("atom build" in info.value and "make demo" in info.value for info in at.info)
    assert not at.metric
    assert any("No serving snapshot yet" in caption.value for caption in at.sidebar.caption)


def test_snapshot_missing_a_mart_says_to_rebuild(portal_home: PortalHome) -> None:
    rows, _ = sample_marts(utc_today())
    write_serving_snapshot(portal_home.serving, rows, omit_tables=["fct_quarantine_by_reason"])

    at = run_portal()

    assert not at.exception
    assert any("marts.fct_quarantine_by_reason" in error.value for error in at.error)
    assert not at.metric


def test_replaced_snapshot_shows_new_numbers_on_the_next_run(portal_home: PortalHome) -> None:
    today = utc_today()
    write_serving_snapshot(portal_home.serving, sample_marts(today)[0])
    at = run_portal()
    assert _metrics(at)["Revenue this month (USD)"][0] == "$199.35"

    # As the serving asset does: a complete new file renamed over the old one while the portal runs.
    rows, facts = sample_marts(today, slack_usage_this_month=Decimal("1000.00"))
    fresh = portal_home.home / "serving.next.duckdb"
    write_serving_snapshot(fresh, rows)
    os.replace(fresh, portal_home.serving)
    at.run()

    assert not at.exception
    assert facts.revenue_this_month == Decimal("1099.10")
    assert _metrics(at)["Revenue this month (USD)"] == ("$1,099.10", "+$921.10")


def test_snapshot_from_before_this_month_is_flagged_as_stale(portal_home: PortalHome) -> None:
    two_months_ago = utc_today().replace(day=1) - timedelta(days=40)
    write_serving_snapshot(portal_home.serving, sample_marts(two_months_ago)[0])

    at = run_portal()

    assert not at.exception
    assert any("older than this month" in warning.value for warning in at.warning)
    assert _metrics(at)["Revenue this month (USD)"][0] == "$0.00"
    assert _metrics(at)["Events today"][0] == "0"


def test_sidebar_shows_snapshot_freshness_and_atom_home(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(utc_today())[0])

    at = run_portal()

    captions = [caption.value for caption in at.sidebar.caption]
    assert any(c.startswith("Data as of ") and c.endswith(" ago)") for c in captions)
    assert any(str(portal_home.home.resolve()) in c and "ATOM_HOME" in c for c in captions)


def test_empty_snapshot_shows_zeros_and_no_charts(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, {})

    at = run_portal()

    assert not at.exception
    assert _metrics(at)["Revenue this month (USD)"][0] == "$0.00"
    assert _metrics(at)["Active tenants this month"][0] == "0"
    assert any("holds no usage" in warning.value for warning in at.warning)
    assert not at.get("plotly_chart")
