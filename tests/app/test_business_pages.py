"""Revenue, Tenants, Marketplace and Billing desk on the sample snapshot: the numbers, the drill-downs,
and every chart with a title, axis units and a CSV beside it."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app.billing_runs import launch_billing
from app.health import tenant_health
from app.navigation import PAGES
from atom.clock import today as utc_today
from billing.periods import current_period, period_of, previous_period
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import run_as


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec)["layout"] for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("spec", PAGES, ids=[s.slug for s in PAGES])
def test_every_chart_has_a_title_axis_titles_and_a_csv(portal_world: PortalHome, spec) -> None:  # type: ignore[no-untyped-def]
    at = run_as("admin", spec.file)

    assert not at.exception
    for layout in _figures(at):
        assert layout["title"]["text"], "a chart without a title"
        if "xaxis" in layout and layout["xaxis"].get("title"):
            assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
    assert len(at.get("download_button")) >= len(at.get("plotly_chart"))


def test_revenue_shows_mrr_retention_and_the_tenants_behind_a_movement(portal_world: PortalHome) -> None:
    at = run_as("finance", "revenue.py")

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["MRR"] == "$998.00"
    assert metrics["ARR"] == "$11,976.00"
    assert metrics["GRR"] == "100.0%"
    assert metrics["Unbilled usage"] == "$150.35"
    assert any("NRR" in m.value and "starting MRR" in m.value for m in at.markdown)
    waterfall = next(df.value for df in at.dataframe if "Step" in df.value.columns)
    assert list(waterfall["Step"]) == [
        "Starting MRR",
        "New",
        "Expansion",
        "Reactivation",
        "Contraction",
        "Churn",
        "Ending MRR",
    ]

    at.segmented_control(key="revenue_movement").set_value("Expansion").run()
    drill = next(df.value for df in at.dataframe if "Movement" in df.value.columns)
    assert list(drill["Tenant"]) == ["ten_acme"]
    assert str(drill["Movement"].iloc[0]) == "450.000000"


def test_tenants_are_searchable_and_scored_red_amber_green(portal_world: PortalHome) -> None:
    at = run_as("analyst", "tenants.py")
    table = at.dataframe[0].value
    health = dict(zip(table["Tenant"], table["Health"], strict=True))
    assert health["ten_globex"] == "🔴 red"  # past due state, 45 days overdue

    at.text_input(key="tenant_search").input("acme").run()
    assert list(at.dataframe[0].value["Tenant"]) == ["ten_acme"]
    assert any(h.value.startswith("Acme Corp") for h in at.header)


def test_health_turns_amber_on_a_usage_drop_and_red_past_thirty_days() -> None:
    steady = {"state": "active", "events_prior_30_days": 100, "max_days_past_due": 0, "failed_payments": 0}
    assert tenant_health(events_last_30_days=90, **steady).score == "green"
    assert tenant_health(events_last_30_days=60, **steady).score == "amber"
    assert tenant_health(events_last_30_days=100, **{**steady, "max_days_past_due": 31}).score == "red"
    assert tenant_health(events_last_30_days=100, **{**steady, "failed_payments": 1}).score == "red"


def test_marketplace_shows_gmv_and_take_rate(portal_world: PortalHome) -> None:
    at = run_as("finance", "marketplace.py")

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Take rate"] == "30.0%"
    assert any("Payout due" in df.value.columns for df in at.dataframe)


def test_billing_desk_lists_months_with_their_state_and_ar_aging(
    portal_world: PortalHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atom.settings import reset_settings_cache

    monkeypatch.setenv("DAGSTER_URL", "http://127.0.0.1:9")  # the button is offered only with an orchestrator
    reset_settings_cache()
    at = run_as("finance", "billing.py")

    months = at.dataframe[0].value
    states = dict(zip(months["Month"], months["State"], strict=True))
    assert states[period_of(utc_today())] == "open (in progress)"
    assert {m.label: m.value for m in at.metric}["Open receivables"] == "$178.00"
    assert at.button(key="billing_run").label == f"Run billing for {previous_period(current_period())}"


def test_billing_refuses_a_month_that_has_not_ended(portal_home: PortalHome) -> None:
    result = launch_billing(current_period())
    assert not result.success and "has not ended" in result.message


def test_without_an_orchestrator_billing_says_how_to_start_one_and_runs_nothing(
    portal_home: PortalHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atom.settings import reset_settings_cache

    monkeypatch.delenv("DAGSTER_URL", raising=False)
    reset_settings_cache()
    result = launch_billing("2026-01")
    assert (result.via, result.success, result.run_id) == ("-", False, None)
    assert "atom orchestrator" in result.message


def test_the_portal_names_dagsters_billing_job_and_partitions_as_orchestration_does() -> None:
    from app import billing_runs
    from orchestration.defs import billing

    assert billing_runs.BILLING_JOB == billing.BILLING_JOB
    assert billing_runs.partition_key("2026-10") == billing.partition_of_period("2026-10")
    assert "2026-10-01" in billing.monthly_billing_partitions.get_partition_keys()


def test_billing_goes_through_dagsters_graphql_api_when_dagster_url_is_set(
    portal_home: PortalHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atom.settings import reset_settings_cache

    monkeypatch.setenv("DAGSTER_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    reset_settings_cache()
    result = launch_billing("2026-01")

    assert (result.via, result.success) == ("dagster", False)
    assert "http://127.0.0.1:9" in result.message


def test_a_tenants_usage_is_listed_by_month_with_each_metrics_own_quantity(portal_world: PortalHome) -> None:
    at = run_as("analyst", "tenants.py")
    at.text_input(key="tenant_search").input("acme").run()
    usage = next(d.value for d in at.dataframe if "Aggregation" in d.value.columns)
    months = list(usage["Month"])
    assert months and months == sorted(months, reverse=True)
    assert list(usage.columns) == ["Month", "Package", "Metric", "Aggregation", "Events", "Quantity"]
    assert (usage["Quantity"] > 0).all()
