"""An operator's corrections and a partner's payout, end to end through the API only (issue 15 items 4-6):
``atom init``, keys from the CLI, then price book, tenants, a publisher with a signed package, usage, a
build and the month's close; then a payout account, a statement, a void, a credit note, a download that
verifies and an install; the next build shows them in AR aging, revenue and the marketplace metrics.

Hand-computed September 2026 (price book: plan team 49; slack-notify runs 0.01 each, partner share 70%):
  ten_acme  team all month 49.00 + 1,000 runs 10.00 = 59.00   payout 7.00, fee 3.00
  ten_beta  no plan                   550 runs  5.50 =  5.50   payout 3.85, fee 1.65
  acme's statement: gross 15.50, payout 10.85, fee 4.65
Issued 1 October, due 31 October; today 20 November: 20 days past due. After voiding ten_beta's invoice
and crediting ten_acme 9.00, AR is 50.00 (ten_acme, 1-30 days) and September's credited amount is -9.00.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from atom.settings import Settings, reset_settings_cache
from governance.signatures import generate_keypair, sign
from tests.api.conftest import build_wpk

pytestmark = pytest.mark.slow

TODAY = "2026-11-20"
PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs: {aggregation: count}
prices:
  - id: price_slack_runs
    metric: workflow_runs
    package_id: pkg_slack_notify
    billing_scheme: per_unit
    unit_amount: "0.01"
    revenue_share: "0.70"
plans:
  - {id: team, amount: "49"}
"""


def _atom(home: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_HOME", "STRIPE_"))}
    env.update(ATOM_HOME=str(home), ATOM_TODAY=TODAY)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "atom"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"atom {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _key(home: Path, role: str, subject: str) -> dict[str, str]:
    secret = _atom(home, "keys", "create", "--role", role, "--subject", subject).strip().splitlines()[-1]
    return {"Authorization": f"Bearer {secret}"}


def _events(tenant: str, runs: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"evt_{tenant}_{n:05d}",
            "tenant_id": tenant,
            "metric": "workflow_runs",
            "quantity": "1",
            "timestamp": f"2026-09-{1 + n % 28:02d}T12:00:00Z",
            "package_id": "pkg_slack_notify",
        }
        for n in range(runs)
    ]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    for name in [k for k in os.environ if k.startswith(("ATOM_", "STRIPE_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ATOM_HOME", str(home))
    monkeypatch.setenv("ATOM_TODAY", TODAY)
    reset_settings_cache()
    yield home
    reset_settings_cache()


def _serving(home: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(home / "serving.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_corrections_statement_and_install_through_the_api(home: Path) -> None:
    from ingest.api.app import create_app

    _atom(home, "init")
    admin = _key(home, "admin", "ops")
    app = create_app(Settings(ATOM_HOME=str(home)))  # type: ignore[call-arg]
    with TestClient(app) as api:
        put = api.put(
            "/v1/price-book",
            params={"effective_from": "2026-09"},
            content=PRICE_BOOK,
            headers={**admin, "Content-Type": "application/yaml"},
        )
        assert put.status_code in (200, 201), put.text
        for tenant in ("ten_acme", "ten_beta"):
            assert (
                api.post("/v1/tenants", headers=admin, json={"id": tenant, "name": tenant}).status_code == 201
            )
        assert (
            api.post("/v1/publishers", headers=admin, json={"id": "acme", "name": "Acme"}).status_code == 201
        )
        sub = api.put(
            "/v1/tenants/ten_acme/subscription",
            headers=admin,
            json={"plan_id": "team", "effective_on": "2026-09-01"},
        )
        assert sub.status_code == 200, sub.text

        publisher, acme, beta = (
            _key(home, "publisher", "acme"),
            _key(home, "tenant", "ten_acme"),
            _key(home, "tenant", "ten_beta"),
        )
        pair = generate_keypair()
        keys = api.post(
            "/v1/publishers/acme/keys", headers=publisher, json={"public_key": pair.public_key_pem.decode()}
        )
        assert keys.status_code == 201
        data = build_wpk()
        upload = api.post(
            "/v1/packages",
            headers=publisher,
            files={"file": ("slack-notify.wpk", data, "application/zip")},
            data={"signature": sign(data, pair.private_key_pem)},
        )
        assert upload.status_code == 202, upload.text
        # Governance's decision (the sensor's scan or a reviewer in the portal).
        from atom.opdb import make_engine, record_submission_outcome, session_scope

        engine = make_engine(Settings(ATOM_HOME=str(home)).database_url)  # type: ignore[call-arg]
        with session_scope(engine) as session:
            record_submission_outcome(
                session,
                upload.json()["submission_id"],
                status="approved",
                decision="approve",
                report={},
                risk_score=0.1,
            )
        engine.dispose()

        for headers, tenant, runs in ((acme, "ten_acme", 1000), (beta, "ten_beta", 550)):
            sent = api.post("/v1/usage", headers=headers, json=_events(tenant, runs))
            assert sent.status_code == 202 and sent.json()["accepted"] == runs, sent.text
        payout = api.put(
            "/v1/publishers/acme/payout-account",
            headers=publisher,
            json={"stripe_account_id": "acct_1AcmeOps"},
        )
        assert payout.status_code == 200

        _atom(home, "build")
        _atom(home, "billing", "run", "--period", "2026-09")
        invoices = {
            i["tenant_id"]: i
            for i in __import__("json").loads(
                _atom(home, "billing", "invoices", "--period", "2026-09", "--format", "json")
            )["invoices"]
        }
        assert (invoices["ten_acme"]["total"], invoices["ten_beta"]["total"]) == ("59.00", "5.50")

        statement = api.get("/v1/publishers/acme/statements", params={"period": "2026-09"}, headers=publisher)
        assert statement.status_code == 200, statement.text
        body = statement.json()
        assert body["lines"] == [
            {
                "package_id": "pkg_slack_notify",
                "gross_amount": "15.50",
                "payout_amount": "10.85",
                "platform_fee_amount": "4.65",
            }
        ]
        assert body["payout_amount"] == "10.85" and body["transfer_id"].startswith("tr_dry_")

        void = api.post(f"/v1/invoices/{invoices['ten_beta']['number']}/void", headers=admin)
        assert void.status_code == 200 and void.json()["stripe_synced"], void.text
        credit = api.post(
            f"/v1/invoices/{invoices['ten_acme']['number']}/credit-notes",
            headers=admin,
            json={"amount": "9.00", "reason": "outage on 12 September"},
        )
        assert credit.status_code == 201, credit.text
        assert credit.json()["remaining"] == "50.00"
        assert credit.json()["number"] == "ATOM-202609-00003"

        download = api.get("/v1/packages/slack-notify/versions/1.2.0/download", headers=acme)
        assert download.status_code == 200 and download.content == data
        installed = api.post(
            "/v1/installs", headers=acme, json={"package": "slack-notify", "version": "1.2.0"}
        )
        assert installed.status_code == 201

    _atom(home, "build")
    aging = _serving(
        home, "select tenant_id, open_amount, aging_bucket, days_past_due from marts.fct_ar_aging"
    )
    assert aging == [("ten_acme", Decimal("50.000000"), "1-30", 20)]
    [(invoiced, credited, net)] = _serving(
        home,
        "select invoiced_amount, credited_amount, net_invoiced_amount from marts.fct_revenue_metrics_monthly "
        "where period = '2026-09'",
    )
    assert (invoiced, credited, net) == (Decimal("59.00"), Decimal("-9.00"), Decimal("50.00"))
    [(installs, cumulative)] = _serving(
        home,
        "select install_count, cumulative_tenants from marts.fct_package_performance_monthly "
        "where package_id = 'pkg_slack_notify' and period = '2026-11'",
    )
    assert (installs, cumulative) == (1, 1)
