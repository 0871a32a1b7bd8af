"""Late usage for a closed month, end to end: finalize, land late events, rebuild, finalize the next month.

Also the acceptance run: `billing_job` twice on a month with a live Stripe (the local stand-in)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import orjson
import pytest

from atom.settings import Settings, reset_settings_cache
from ingest.landing import land_bytes
from orchestration.defs.billing import run_billing_partition
from orchestration.run import run_build
from tests.billing.conftest import CLOSED, NEXT
from tests.billing.helpers import documents, finalize
from tests.billing.stripe_server import StripeStandIn, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def billing_home(billing_home_both: Settings) -> Settings:
    """Adjustments and the Stripe sync write the operational DB: on SQLite and on PostgreSQL."""
    return billing_home_both


TENANT = "ten_adventure_logistics"
LATE_RUNS = 1000  # price_runs_anthropic_classify: per_unit 0.004 -> 4.00 usd, 70% to the partner


def _late_events() -> bytes:
    events = [
        {
            "id": f"evt_late_{n:05d}",
            "tenant_id": TENANT,
            "metric": "workflow_runs",
            "quantity": "1",
            "timestamp": f"{CLOSED}-15T12:00:00Z",
            "package_id": "pkg_anthropic_classify",
            "properties": {},
        }
        for n in range(LATE_RUNS)
    ]
    return b"\n".join(orjson.dumps(e) for e in events) + b"\n"


def test_late_usage_for_a_closed_month_becomes_adjustment_lines_on_the_next_invoice(
    billing_home: Settings,
) -> None:
    closed = finalize(billing_home, CLOSED)
    closed_before = documents(billing_home, CLOSED)

    land_bytes(billing_home.landing_dir, _late_events(), ".ndjson")
    summary = run_build()
    assert summary.success, summary.error
    assert summary.usage["loaded"] == LATE_RUNS

    _finance_marts_reflect_the_closed_month(billing_home)

    finalize(billing_home, NEXT)
    # The closed month is untouched: same documents, same content hashes.
    assert documents(billing_home, CLOSED) == closed_before
    assert finalize(billing_home, CLOSED).content_hash == closed.content_hash

    invoice = next(i for i in documents(billing_home, NEXT)["invoices"] if i["tenant_id"] == TENANT)
    adjustments = [line for line in invoice["lines"] if line["kind"] == "adjustment"]
    assert adjustments == [
        {
            "kind": "adjustment",
            "price_id": "price_runs_anthropic_classify",
            "metric": "workflow_runs",
            "package_id": "pkg_anthropic_classify",
            "period": CLOSED,
            "quantity": str(LATE_RUNS),
            "amount": "4.00",
        }
    ]
    regular = [line for line in invoice["lines"] if line["kind"] != "adjustment"]
    assert all(line["period"] == NEXT for line in regular)
    assert Decimal(invoice["total"]) == sum(Decimal(line["amount"]) for line in invoice["lines"])
    others = [i for i in documents(billing_home, NEXT)["invoices"] if i["tenant_id"] != TENANT]
    assert all(line["kind"] != "adjustment" for i in others for line in i["lines"])


def _finance_marts_reflect_the_closed_month(settings: Settings) -> None:
    """The rebuild copied the closed month's documents into the warehouse: statements and metrics see them."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        statements = conn.execute(
            "select count(*), bool_and(is_conserved), sum(gross_amount) from marts.fct_partner_statements "
            "where statement_period = ?",
            [CLOSED],
        ).fetchone()
        traced = conn.execute(
            "select sum(gross_amount) from marts.fct_partner_statement_lines where statement_period = ?",
            [CLOSED],
        ).fetchone()[0]
        metrics = conn.execute(
            "select is_finalized, invoiced_amount, unbilled_usage_amount, mrr_amount * 12 = arr_amount "
            "from marts.fct_revenue_metrics_monthly where period = ?",
            [CLOSED],
        ).fetchone()
        invoiced = conn.execute(
            "select sum(total_amount) from raw.operational_invoices where period = ?", [CLOSED]
        ).fetchone()[0]
        current = conn.execute(
            "select unbilled_usage_amount = usage_revenue_amount, is_finalized from marts.fct_revenue_metrics_monthly "
            "where period = '2026-11'"
        ).fetchone()
    assert statements[0] > 0 and statements[1] is True and statements[2] == traced
    assert metrics == (True, invoiced, 0, True)
    assert current == (True, False)


def test_billing_run_twice_sends_each_invoice_to_stripe_once(
    billing_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = StripeStandIn("sk_test_atom")
    server, base = serve(stand_in)
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_atom")
    monkeypatch.setenv("STRIPE_API_BASE", base)
    reset_settings_cache()
    try:
        first = run_billing_partition(NEXT)
        second = run_billing_partition(NEXT)
    finally:
        server.shutdown()
        server.server_close()
    assert first.success and second.success, (first.error, second.error)
    assert first.checks_failed == second.checks_failed == []
    assert stand_in.problems == []
    listed = documents(billing_home, NEXT)["invoices"]
    assert stand_in.created["invoice"] == stand_in.created["invoice_finalize"] == len(listed)
    assert stand_in.created["invoiceitem"] == sum(len(i["lines"]) for i in listed)
    assert sorted(i["stripe_invoice_id"] for i in listed) == sorted(
        f"in_test_{n:06d}" for n in range(1, len(listed) + 1)
    )
    assert second.metadata["opdb/stripe_requests"]["requests_sent"] == 0
    assert second.metadata["opdb/invoices"]["newly_finalized"] is False
