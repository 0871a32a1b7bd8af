"""`atom billing preview` against invoices computed by hand (DESIGN 3.2, 3.7).

Each expected amount below is worked out in the comment beside it, from the price book in this file;
the command runs the real dbt models in a scratch warehouse, so these tests pin the rating engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ATOM = str(Path(sys.executable).parent / "atom")

PRICE_BOOK = """
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
  storage_gb:      {aggregation: max}
  active_users:    {aggregation: unique_count, property: user_id}
  api_calls:       {aggregation: count}
prices:
  - id: price_runs_generic
    metric: workflow_runs
    package_id: null
    billing_scheme: tiered
    tiers_mode: graduated
    tiers:
      - {up_to: 10, unit_amount: "0"}
      - {up_to: 20, unit_amount: "0.5", flat_amount: "1"}
      - {up_to: inf, unit_amount: "0.25", flat_amount: "2"}
  - id: price_runs_pkg_a
    metric: workflow_runs
    package_id: pkg_a
    billing_scheme: per_unit
    unit_amount: "0.125"
    revenue_share: "0.70"
  - id: price_compute
    metric: compute_seconds
    billing_scheme: per_unit
    unit_amount: "0.01"
    free_units: "30"
    transform_quantity: {divide_by: 60, round: up}
  - id: price_storage
    metric: storage_gb
    billing_scheme: tiered
    tiers_mode: volume
    tiers:
      - {up_to: 10, unit_amount: "1.00"}
      - {up_to: 100, unit_amount: "0.80", flat_amount: "5"}
      - {up_to: inf, unit_amount: "0.5", flat_amount: "10"}
    minimum_amount: "3"
  - id: price_users
    metric: active_users
    billing_scheme: per_unit
    unit_amount: "0.605"
  - id: price_api
    metric: api_calls
    billing_scheme: per_unit
    unit_amount: "0.001"
    minimum_amount: "2.50"
plans:
  - {id: team, amount: "49"}
"""


def event(
    eid: str, tenant: str, metric: str, quantity: object, ts: str, package: str | None = None, **props: str
) -> dict:
    return {
        "id": eid,
        "tenant_id": tenant,
        "metric": metric,
        "quantity": quantity,
        "timestamp": ts,
        "package_id": package,
        "properties": props,
    }


def usage_events() -> list[dict]:
    events: list[dict] = []
    # ten_a, generic runs: 18 ordinary October runs, one at the last millisecond of October (UTC) and one at
    # 01:00+02:00 on November 1st, which is 23:00 UTC on October 31st: 20 runs, exactly the edge of tier 2.
    events += [
        event(f"a_run_{i}", "ten_a", "workflow_runs", 1, f"2026-10-{i + 1:02d}T12:00:00Z") for i in range(18)
    ]
    events.append(event("a_run_last_ms", "ten_a", "workflow_runs", 1, "2026-10-31T23:59:59.999Z"))
    events.append(event("a_run_offset", "ten_a", "workflow_runs", 1, "2026-11-01T01:00:00+02:00"))
    # Outside October on either side: not rated in this period.
    events.append(event("a_run_nov", "ten_a", "workflow_runs", 1, "2026-11-01T00:00:00Z"))
    events.append(event("a_run_sep", "ten_a", "workflow_runs", 1, "2026-09-30T23:59:59Z"))
    # An exact resend of an event counts once.
    events.append(event("a_run_0", "ten_a", "workflow_runs", 1, "2026-10-01T12:00:00Z"))
    # One run of pkg_a: 1 x 0.125 = 0.125, a tie, rounds half-up to 0.13; payout 0.13 x 0.70 = 0.091 -> 0.09.
    events.append(event("a_pkg_run", "ten_a", "workflow_runs", 1, "2026-10-05T08:00:00Z", package="pkg_a"))
    # Compute: 100 + 51 = 151 s; minus 30 free = 121; /60 = 2.02 -> up to 3 packages x 0.01 = 0.03.
    events.append(event("a_cpu_1", "ten_a", "compute_seconds", "100", "2026-10-02T00:00:00Z"))
    events.append(event("a_cpu_2", "ten_a", "compute_seconds", 51, "2026-10-03T00:00:00+00:00"))
    # Same id, different quantity: quarantined as duplicate_id_conflict, the first one wins.
    events.append(event("a_cpu_1", "ten_a", "compute_seconds", "999", "2026-10-02T00:00:00Z"))
    # Storage: max(3, 10) = 10, volume tier 1 (q <= 10): 10 x 1.00 = 10.00, above the 3.00 minimum.
    events.append(event("a_sto_1", "ten_a", "storage_gb", "3", "2026-10-04T00:00:00Z"))
    events.append(event("a_sto_2", "ten_a", "storage_gb", "10", "2026-10-20T00:00:00Z"))

    # ten_b, generic runs: 21 -> tier 2 (6.00) + tier 3 reached with 1 unit: 2 + 0.25 = 8.25.
    events += [
        event(f"b_run_{i}", "ten_b", "workflow_runs", 1, f"2026-10-{i % 28 + 1:02d}T09:30:00.5Z")
        for i in range(21)
    ]
    # Storage: max 10.5 -> volume tier 2: 5 + 0.80 x 10.5 = 13.40.
    events.append(event("b_sto", "ten_b", "storage_gb", "10.5", "2026-10-10T00:00:00Z"))
    # Active users: u1..u5 seen in 7 events -> 5 x 0.605 = 3.025, a tie -> 3.03 (banker's rounding would say 3.02).
    for i, user in enumerate(["u1", "u2", "u1", "u3", "u4", "u5", "u2"]):
        events.append(event(f"b_usr_{i}", "ten_b", "active_users", 1, "2026-10-11T00:00:00Z", user_id=user))
    # Compute 30 s, all free: quantity 30, amount 0.00.
    events.append(event("b_cpu", "ten_b", "compute_seconds", "30", "2026-10-12T00:00:00Z"))
    # API calls: 3000 x 0.001 = 3.00, above the 2.50 minimum.
    events += [event(f"b_api_{i}", "ten_b", "api_calls", 1, "2026-10-13T00:00:00Z") for i in range(3000)]

    # ten_c: storage 0 -> volume amount 0 -> raised to the 3.00 minimum; no API calls -> the 2.50 minimum.
    events.append(event("c_sto", "ten_c", "storage_gb", "0", "2026-10-14T00:00:00Z"))
    # Malformed events are quarantined with a reason and change nothing.
    events.append(event("c_neg", "ten_c", "compute_seconds", "-5", "2026-10-14T00:00:00Z"))
    events.append(event("c_badts", "ten_c", "compute_seconds", "5", "14/10/2026 10:00"))
    events.append(event("c_unknown", "ten_c", "gpu_hours", "5", "2026-10-14T00:00:00Z"))
    events.append(
        {"id": "c_missing", "tenant_id": "ten_c", "quantity": "1", "timestamp": "2026-10-14T00:00:00Z"}
    )
    return events


def run_preview(
    tmp_path: Path, book: str, events: list[dict], period: str, fmt: str = "json"
) -> subprocess.CompletedProcess:
    (tmp_path / "prices.yaml").write_text(book)
    (tmp_path / "usage.ndjson").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return subprocess.run(
        [
            ATOM,
            "billing",
            "preview",
            "--price-book",
            str(tmp_path / "prices.yaml"),
            "--usage",
            str(tmp_path / "usage.ndjson"),
            "--period",
            period,
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ATOM_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)},
    )


def line(
    price_id: str, metric: str, quantity: str, amount: str, payout: str = "0.00", package: str | None = None
) -> dict:
    return {
        "price_id": price_id,
        "metric": metric,
        "package_id": package,
        "quantity": quantity,
        "amount": amount,
        "partner_payout": payout,
    }


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    tmp_path = tmp_path_factory.mktemp("preview")
    result = run_preview(tmp_path, PRICE_BOOK, usage_events(), "2026-10")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_preview_document_has_period_and_currency(october: tuple[dict, str]) -> None:
    document, _ = october
    assert document["period"] == "2026-10"
    assert document["currency"] == "usd"
    assert [i["tenant_id"] for i in document["invoices"]] == ["ten_a", "ten_b", "ten_c"]


def test_graduated_edge_per_unit_tie_transform_volume_and_minimum(october: tuple[dict, str]) -> None:
    invoice = next(i for i in october[0]["invoices"] if i["tenant_id"] == "ten_a")
    assert sorted(invoice["lines"], key=lambda x: x["price_id"]) == [
        line("price_api", "api_calls", "0", "2.50"),
        line("price_compute", "compute_seconds", "151", "0.03"),
        line("price_runs_generic", "workflow_runs", "20", "6.00"),
        line("price_runs_pkg_a", "workflow_runs", "1", "0.13", payout="0.09", package="pkg_a"),
        line("price_storage", "storage_gb", "10", "10.00"),
    ]
    assert invoice["total"] == "18.66"


def test_tier_reached_by_one_unit_volume_tier_two_unique_count_and_free_units(
    october: tuple[dict, str],
) -> None:
    invoice = next(i for i in october[0]["invoices"] if i["tenant_id"] == "ten_b")
    assert sorted(invoice["lines"], key=lambda x: x["price_id"]) == [
        line("price_api", "api_calls", "3000", "3.00"),
        line("price_compute", "compute_seconds", "30", "0.00"),
        line("price_runs_generic", "workflow_runs", "21", "8.25"),
        line("price_storage", "storage_gb", "10.5", "13.40"),
        line("price_users", "active_users", "5", "3.03"),
    ]
    assert invoice["total"] == "27.68"


def test_minimums_apply_to_active_tenant_without_usage_and_malformed_events_change_nothing(
    october: tuple[dict, str],
) -> None:
    invoice = next(i for i in october[0]["invoices"] if i["tenant_id"] == "ten_c")
    assert sorted(invoice["lines"], key=lambda x: x["price_id"]) == [
        line("price_api", "api_calls", "0", "2.50"),
        line("price_storage", "storage_gb", "0", "3.00"),
    ]
    assert invoice["total"] == "5.50"


def test_quarantine_is_reported_on_stderr_not_stdout(october: tuple[dict, str]) -> None:
    _, stderr = october
    for reason in (
        "duplicate_id_conflict 1",
        "negative_quantity 1",
        "bad_timestamp 1",
        "unknown_metric 1",
        "missing_field 1",
    ):
        assert reason in stderr
    assert "1 duplicates" in stderr


def test_currency_without_minor_units_rounds_half_up_to_whole_yen(tmp_path: Path) -> None:
    book = """
currency: jpy
metrics:
  workflow_runs: {aggregation: count}
  compute_seconds: {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "2.5"}
  - {id: price_cpu, metric: compute_seconds, billing_scheme: per_unit, unit_amount: "0.5"}
"""
    events = [
        event("r1", "ten_jp", "workflow_runs", 1, "2026-10-01T00:00:00Z"),  # 2.5 -> 3
        event("c1", "ten_jp", "compute_seconds", 3, "2026-10-01T00:00:00Z"),
    ]  # 1.5 -> 2
    result = run_preview(tmp_path, book, events, "2026-10")
    assert result.returncode == 0, result.stderr
    (invoice,) = json.loads(result.stdout)["invoices"]
    assert {x["price_id"]: x["amount"] for x in invoice["lines"]} == {"price_runs": "3", "price_cpu": "2"}
    assert invoice["total"] == "5"


def test_broken_tier_list_is_refused_with_a_message_naming_the_price(tmp_path: Path) -> None:
    book = PRICE_BOOK.replace(
        '- {up_to: inf, unit_amount: "0.25", flat_amount: "2"}', '- {up_to: 30, unit_amount: "0.25"}'
    )
    result = run_preview(tmp_path, book, usage_events()[:3], "2026-10")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "price_runs_generic" in result.stderr and "inf" in result.stderr


def test_bad_period_is_refused(tmp_path: Path) -> None:
    result = run_preview(tmp_path, PRICE_BOOK, usage_events()[:3], "2026-13")
    assert result.returncode != 0
    assert "YYYY-MM" in result.stderr
