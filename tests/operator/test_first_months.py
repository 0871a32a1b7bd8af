"""Issue 15 acceptance, first half: an operator's first two months, from `atom init` through the API only.

No generator: the price book, tenants, subscriptions and usage all arrive through the intake API (DESIGN
3.8), builds and month closes through the CLI (DESIGN 3.7), and the assertions read the finalized invoices
and the serving snapshot's public tables. Every expected amount is worked out by hand beside it.

The story (usd; October 2026 has 31 days, November 30). Billing partitions follow the wall clock (Dagster
makes a month's partition once it has ended), so the months are past ones and the API steps pin ATOM_TODAY to
the story's days:
- price book v1 from 2026-10: workflow_runs at 0.50 after 2 free units; plans team 31, business 300.
- price book v2 from 2026-11: workflow_runs at 1.00 (plans unchanged).
- ten_a: team from 1 October; business from 16 November (a mid-month change, prorated by day).
- ten_b: team from 11 October (21 days of October); suspended on 16 November (a suspension keeps the plan).

Voids, credit notes, payout accounts, statements and installs have their own story from `atom init` in
test_corrections_and_payouts.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from atom.settings import Settings
from ingest.api.app import create_app
from ingest.api.context import ApiConfig

pytestmark = pytest.mark.slow

# Builds and month closes run on the real day: the API lands batches under the real arrival day (DESIGN 2),
# and a build reloads the recent days of the real calendar. The API steps pin ATOM_TODAY to the story's day
# so the events' timestamps are judged against the day they are "sent" (the loader keeps that judgement).
REAL = None

ATOM = str(Path(sys.executable).parent / "atom")
YAML = {"Content-Type": "application/yaml"}

PRICE_BOOK_V1 = """\
currency: usd
metrics:
  workflow_runs: {aggregation: count}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.50", free_units: "2"}
plans:
  - {id: team, amount: "31"}
  - {id: business, amount: "300"}
"""
PRICE_BOOK_V2 = PRICE_BOOK_V1.replace('unit_amount: "0.50"', 'unit_amount: "1.00"')


@dataclass
class Operator:
    """One home, driven as an operator would: the CLI for the home and the months, the API for the rest."""

    home: Path
    timings: dict[str, float] = field(default_factory=dict)
    admin_key: str = ""

    def env(self, today: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_", "STRIPE_"))}
        env.update(ATOM_HOME=str(self.home))
        if today is not None:
            env["ATOM_TODAY"] = today
        return env

    def atom(self, today: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [ATOM, *args], env=self.env(today), capture_output=True, text=True, timeout=1200, check=False
        )
        assert result.returncode == 0, f"atom {' '.join(args)}:\n{result.stderr[-4000:]}"
        return result

    def api(self, today: str) -> TestClient:
        settings = Settings(ATOM_HOME=str(self.home), ATOM_TODAY=today)  # type: ignore[call-arg]
        return TestClient(create_app(settings, ApiConfig(access_log=False, rate_limit="10000/second")))

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}

    def snapshot(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.home / "serving.duckdb"), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    def invoices(self, today: str | None, period: str) -> dict[str, dict[str, Any]]:
        out = self.atom(today, "billing", "invoices", "--period", period, "--format", "json").stdout
        return {i["tenant_id"]: i for i in json.loads(out)["invoices"]}


def _events(tenant: str, count: int, day: str, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}_{tenant}_{i}",
            "tenant_id": tenant,
            "metric": "workflow_runs",
            "quantity": "1",
            "timestamp": f"{day}T12:{i:02d}:00Z",
            "package_id": None,
            "properties": {},
        }
        for i in range(count)
    ]


# -- the steps, in the order of the story ------------------------------------------------------------------


def step_init(op: Operator) -> None:
    op.atom("2026-10-01", "init")
    assert op.snapshot("select count(*) from marts.fct_invoice_lines") == [(0,)]
    op.admin_key = (
        op.atom("2026-10-01", "keys", "create", "--role", "admin", "--subject", "ops")
        .stdout.strip()
        .splitlines()[-1]
    )


def step_price_book_and_tenants(op: Operator) -> None:
    with op.api("2026-10-01") as api:
        for text, month in ((PRICE_BOOK_V1, "2026-10"), (PRICE_BOOK_V2, "2026-11")):
            answer = api.put(
                f"/v1/price-book?effective_from={month}", content=text, headers={**op.auth, **YAML}
            )
            assert answer.status_code == 201, answer.text
        for tenant in ("ten_a", "ten_b"):
            assert (
                api.post("/v1/tenants", json={"id": tenant, "name": tenant}, headers=op.auth).status_code
                == 201
            )
        for tenant, day in (("ten_a", "2026-10-01"), ("ten_b", "2026-10-11")):
            answer = api.put(
                f"/v1/tenants/{tenant}/subscription",
                json={"plan_id": "team", "effective_on": day},
                headers=op.auth,
            )
            assert answer.status_code == 200, answer.text


def step_usage_month_1(op: Operator) -> None:
    with op.api("2026-10-25") as api:
        events = _events("ten_a", 10, "2026-10-20", "jan") + _events("ten_b", 1, "2026-10-21", "jan")
        answer = api.post("/v1/usage", json=events, headers=op.auth)
        assert answer.status_code == 202 and answer.json()["accepted"] == 11, answer.text


def step_close_month_1(op: Operator) -> None:
    op.atom(REAL, "build")
    op.atom(REAL, "billing", "run", "--period", "2026-10")
    invoices = op.invoices(REAL, "2026-10")
    # ten_a: team 31 (whole month) + (10 - 2) x 0.50 = 4.00 -> 35.00
    assert invoices["ten_a"]["total"] == "35.00"
    # ten_b: team 31 x 21 / 31 = 21.00; (1 - 2 -> 0) x 0.50 = 0.00 -> 21.00
    assert invoices["ten_b"]["total"] == "21.00"
    recurring_b = [line for line in invoices["ten_b"]["lines"] if line["kind"] == "recurring"]
    assert [(line["quantity"], line["amount"]) for line in recurring_b] == [("21", "21.00")]


def step_plan_change_and_suspension_month_2(op: Operator) -> None:
    with op.api("2026-11-16") as api:
        change = api.put(
            "/v1/tenants/ten_a/subscription",
            json={"plan_id": "business", "effective_on": "2026-11-16"},
            headers=op.auth,
        )
        assert change.status_code == 200, change.text
        suspended = api.patch("/v1/tenants/ten_b", json={"status": "suspended"}, headers=op.auth)
        assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
        events = _events("ten_a", 6, "2026-11-16", "feb")  # the pinned day: never > 1 day ahead of receipt
        assert api.post("/v1/usage", json=events, headers=op.auth).json()["accepted"] == 6


def step_close_month_2(op: Operator) -> None:
    op.atom(REAL, "build")
    op.atom(REAL, "billing", "run", "--period", "2026-11")
    invoices = op.invoices(REAL, "2026-11")
    # ten_a: team 31 x 15 / 30 = 15.50; business 300 x 15 / 30 = 150.00; (6 - 2) x 1.00 = 4.00 (version 2)
    assert invoices["ten_a"]["total"] == "169.50"
    recurring = {
        line["price_id"] or "": line for line in invoices["ten_a"]["lines"] if line["kind"] == "recurring"
    }
    amounts = sorted(Decimal(line["amount"]) for line in invoices["ten_a"]["lines"])
    assert amounts == [Decimal("4.00"), Decimal("15.50"), Decimal("150.00")], recurring
    # ten_b: suspended, still holds team for all of November: 31.00, no usage
    assert invoices["ten_b"]["total"] == "31.00"


def step_mrr_and_states(op: Operator) -> None:
    movements = op.snapshot(
        "select tenant_id, period, cast(mrr_amount as varchar), movement_type, cast(movement_amount as varchar) "
        "from marts.fct_mrr_movements where period <= '2026-11' order by tenant_id, period"
    )
    assert [(t, p, Decimal(m), kind, Decimal(a)) for t, p, m, kind, a in movements] == [
        ("ten_a", "2026-10", Decimal(31), "new", Decimal(31)),
        ("ten_a", "2026-11", Decimal(300), "expansion", Decimal(269)),  # business held at month end
        ("ten_b", "2026-10", Decimal(31), "new", Decimal(31)),
        ("ten_b", "2026-11", Decimal(31), "unchanged", Decimal(0)),  # a suspension keeps the plan
    ]
    states = dict(op.snapshot("select tenant_id, current_state from marts.dim_tenants"))
    assert states == {"ten_a": "active", "ten_b": "suspended"}


def test_an_operators_first_two_months_through_the_api(tmp_path: Path) -> None:
    import time

    op = Operator(tmp_path / "home")
    for step in (
        step_init,
        step_price_book_and_tenants,
        step_usage_month_1,
        step_close_month_1,
        step_plan_change_and_suspension_month_2,
        step_close_month_2,
        step_mrr_and_states,
    ):
        started = time.monotonic()
        step(op)
        op.timings[step.__name__] = time.monotonic() - started
    print("timings (s):", {name: round(seconds, 1) for name, seconds in op.timings.items()})
