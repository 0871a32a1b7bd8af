"""`atom billing preview` with latest, weighted_sum and a percentage price (decision 0701), against
invoices computed by hand: the command loads the YAML and the usage file through the real loaders and runs
the real dbt models in a scratch DuckDB warehouse. February 2026 has 28 days."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ATOM = str(Path(sys.executable).parent / "atom")

PRICE_BOOK = """
currency: usd
metrics:
  seats:      {aggregation: latest}
  storage_gb: {aggregation: weighted_sum}
  payments:   {aggregation: sum}
prices:
  - {id: price_seats, metric: seats, billing_scheme: per_unit, unit_amount: "4"}
  - {id: price_storage, metric: storage_gb, billing_scheme: per_unit, unit_amount: "0.10"}
  - id: price_payments
    metric: payments
    package_id: pkg_pay
    billing_scheme: percentage
    percentage: {rate: "2.9", fixed_amount: "0.30", per_event_minimum_amount: "0.50",
                 per_event_maximum_amount: "5"}
    minimum_amount: "1"
    revenue_share: "0.70"
"""


def event(
    event_id: str, tenant: str, metric: str, quantity: str, at: str, package: str | None = None
) -> dict:
    return {
        "id": event_id,
        "tenant_id": tenant,
        "metric": metric,
        "quantity": quantity,
        "timestamp": at,
        "package_id": package,
        "properties": {},
    }


EVENTS = [
    # ten_a seats: readings 5, 12, then 7 last -> latest 7 x 4 = 28.00 (max would say 12)
    event("a_seat_1", "ten_a", "seats", "5", "2026-02-03T09:00:00Z"),
    event("a_seat_2", "ten_a", "seats", "12", "2026-02-10T09:00:00Z"),
    event("a_seat_3", "ten_a", "seats", "7", "2026-02-25T09:00:00Z"),
    # ten_a storage: 0 GB for 7 days, then 100 GB for 21 days -> 100 x 21 / 28 = 75 GB x 0.10 = 7.50
    event("a_sto_1", "ten_a", "storage_gb", "100", "2026-02-08T00:00:00Z"),
    # ten_a payments: 10 -> 0.29 + 0.30 = 0.59; 1 -> 0.329 -> 0.50 (per-event minimum);
    # 1000 -> 29.30 -> 5 (per-event maximum): 6.09 above the line minimum; payout 6.09 x 0.70 = 4.263 -> 4.26
    event("a_pay_1", "ten_a", "payments", "10", "2026-02-04T00:00:00Z", "pkg_pay"),
    event("a_pay_2", "ten_a", "payments", "1", "2026-02-05T00:00:00Z", "pkg_pay"),
    event("a_pay_3", "ten_a", "payments", "1000", "2026-02-06T00:00:00Z", "pkg_pay"),
    # ten_b storage: 10 GB for 14 days, then 0 -> 10 x 14 / 28 = 5 GB x 0.10 = 0.50
    event("b_sto_1", "ten_b", "storage_gb", "10", "2026-02-01T00:00:00Z"),
    event("b_sto_2", "ten_b", "storage_gb", "0", "2026-02-15T00:00:00Z"),
    # ten_b payments: 20 -> 0.58 + 0.30 = 0.88, below the line minimum -> 1.00; payout 0.70
    event("b_pay_1", "ten_b", "payments", "20", "2026-02-07T00:00:00Z", "pkg_pay"),
    # March is not February's business (and February's level is not carried into March)
    event("a_sto_2", "ten_a", "storage_gb", "500", "2026-03-02T00:00:00Z"),
]


def line(price_id: str, metric: str, quantity: str, amount: str, payout: str = "0.00") -> dict[str, Any]:
    return {
        "price_id": price_id,
        "metric": metric,
        "package_id": "pkg_pay" if price_id == "price_payments" else None,
        "quantity": quantity,
        "amount": amount,
        "partner_payout": payout,
    }


@pytest.fixture(scope="module")
def february(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("preview_readings")
    (tmp_path / "prices.yaml").write_text(PRICE_BOOK)
    (tmp_path / "usage.ndjson").write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    result = subprocess.run(
        [
            ATOM,
            "billing",
            "preview",
            "--price-book",
            str(tmp_path / "prices.yaml"),
            "--usage",
            str(tmp_path / "usage.ndjson"),
            "--period",
            "2026-02",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ATOM_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_latest_weighted_sum_and_percentage_lines_are_priced_as_computed_by_hand(
    february: dict[str, Any],
) -> None:
    assert february["period"] == "2026-02"
    assert february["invoices"] == [
        {
            "tenant_id": "ten_a",
            "lines": [
                line("price_payments", "payments", "1011", "6.09", payout="4.26"),
                line("price_seats", "seats", "7", "28.00"),
                line("price_storage", "storage_gb", "75", "7.50"),
            ],
            "total": "41.59",
        },
        {
            "tenant_id": "ten_b",
            "lines": [
                line("price_payments", "payments", "20", "1.00", payout="0.70"),
                line("price_storage", "storage_gb", "5", "0.50"),
            ],
            "total": "1.50",
        },
    ]


def test_a_percentage_price_on_a_count_metric_is_refused_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "prices.yaml").write_text(
        PRICE_BOOK.replace("payments:   {aggregation: sum}", "payments: {aggregation: count}")
    )
    (tmp_path / "usage.ndjson").write_text(json.dumps(EVENTS[0]) + "\n")
    result = subprocess.run(
        [ATOM, "billing", "preview", "--price-book", str(tmp_path / "prices.yaml"), "--usage",
         str(tmp_path / "usage.ndjson"), "--period", "2026-02", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ATOM_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    assert result.stdout == ""
    assert "metric 'payments' needs aggregation: sum (it has count)" in result.stderr
