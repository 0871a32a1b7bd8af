"""GET /v1/tenants/{id}/usage and /invoices read the serving snapshot, read-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
from fastapi.testclient import TestClient

from tests.api.conftest import World, write_snapshot

ROWS = [
    (date(2026, 10, 1), "ten_acme", "pkg_a", "workflow_runs", 3, Decimal("3")),
    (date(2026, 10, 31), "ten_acme", "pkg_a", "workflow_runs", 2, Decimal("2")),
    (date(2026, 10, 2), "ten_acme", None, "compute_seconds", 1, Decimal("0.000000001")),
    (date(2026, 11, 1), "ten_acme", "pkg_a", "workflow_runs", 7, Decimal("7")),
    (date(2026, 10, 1), "ten_beta", "pkg_a", "workflow_runs", 9, Decimal("9")),
]


def test_usage_is_summed_by_metric_and_package_within_the_month(client: TestClient, world: World) -> None:
    write_snapshot(world.settings, ROWS)
    response = client.get("/v1/tenants/ten_acme/usage?period=2026-10", headers=world.auth("ten_acme"))
    assert response.status_code == 200
    assert response.json() == {
        "tenant_id": "ten_acme",
        "period": "2026-10",
        "metrics": [
            {
                "metric": "compute_seconds",
                "package_id": None,
                "event_count": 1,
                "aggregation": "sum",
                "quantity": "0.000000001",
                "quantity_sum": "0.000000001",
            },
            {
                "metric": "workflow_runs",
                "package_id": "pkg_a",
                "event_count": 5,
                "aggregation": "sum",
                "quantity": "5",
                "quantity_sum": "5",
            },
        ],
    }


def test_usage_reports_the_months_quantity_by_the_metrics_aggregation(
    client: TestClient, world: World
) -> None:
    # A max metric's month is its largest reading, not the sum of its days (decision 0096): what the
    # snapshot's fct_usage_monthly says, read as it is.
    write_snapshot(world.settings, ROWS)
    with duckdb.connect(str(world.settings.serving_path)) as conn:
        conn.execute(
            "UPDATE marts.fct_usage_monthly SET aggregation = 'max', metric_quantity = 0.000000001"
            " WHERE metric_id = 'compute_seconds'"
        )
        conn.execute(
            "INSERT INTO marts.fct_usage_monthly VALUES ('2026-10', '2026-10-01', 'ten_acme', NULL,"
            " 'active_users', 4, 4, 'unique_count', 2), ('2026-10', '2026-10-01', 'ten_acme', NULL,"
            " 'old_metric', 2, 7.5, NULL, 7.5)"
        )
    metrics = client.get("/v1/tenants/ten_acme/usage?period=2026-10", headers=world.auth("ten_acme")).json()
    assert [
        (m["metric"], m["aggregation"], m["event_count"], m["quantity"], m["quantity_sum"])
        for m in metrics["metrics"]
    ] == [
        ("active_users", "unique_count", 4, "2", "4"),
        ("compute_seconds", "max", 1, "0.000000001", "0.000000001"),
        ("old_metric", None, 2, "7.5", "7.5"),
        ("workflow_runs", "sum", 5, "5", "5"),
    ]


def test_a_snapshot_from_before_the_monthly_quantities_is_503_saying_what_to_run(
    client: TestClient, world: World
) -> None:
    write_snapshot(world.settings, ROWS)
    with duckdb.connect(str(world.settings.serving_path)) as conn:
        conn.execute("ALTER TABLE marts.fct_usage_monthly DROP COLUMN metric_quantity")
    response = client.get("/v1/tenants/ten_acme/usage?period=2026-10", headers=world.auth("ten_acme"))
    assert response.status_code == 503
    assert "atom build" in response.json()["detail"]


def test_invoices_are_the_snapshots_drafts_newest_first_with_exact_amounts(
    client: TestClient, world: World
) -> None:
    write_snapshot(world.settings, ROWS)
    invoices = client.get("/v1/tenants/ten_acme/invoices", headers=world.auth("admin")).json()["invoices"]
    assert [(i["period"], i["status"], i["total"]) for i in invoices] == [
        ("2026-10", "draft", "54.1"),
        ("2026-09", "draft", "49"),
    ]


def test_without_a_snapshot_the_answer_is_503_saying_what_to_run(client: TestClient, world: World) -> None:
    response = client.get("/v1/tenants/ten_acme/usage?period=2026-10", headers=world.auth("ten_acme"))
    assert response.status_code == 503
    assert "atom build" in response.json()["detail"]


def test_a_malformed_period_is_422(client: TestClient, world: World) -> None:
    write_snapshot(world.settings, ROWS)
    for period in ("2026-13", "2026-1", "october"):
        assert (
            client.get(
                f"/v1/tenants/ten_acme/usage?period={period}", headers=world.auth("ten_acme")
            ).status_code
            == 422
        )


def test_a_replaced_snapshot_is_read_at_once(client: TestClient, world: World) -> None:
    write_snapshot(world.settings, ROWS)
    path = "/v1/tenants/ten_beta/usage?period=2026-10"
    assert client.get(path, headers=world.auth("ten_beta")).json()["metrics"][0]["event_count"] == 9
    fresh = world.settings.serving_path.with_name("next.duckdb")
    world.settings.serving_path.rename(fresh)
    write_snapshot(
        world.settings, [(date(2026, 10, 1), "ten_beta", "pkg_a", "workflow_runs", 4, Decimal("4"))]
    )
    assert client.get(path, headers=world.auth("ten_beta")).json()["metrics"][0]["event_count"] == 4
