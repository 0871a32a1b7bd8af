"""Finalizing a month of a real built marketplace: numbering, immutability, idempotency, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from atom.opdb import make_engine
from atom.opdb.billing import BillingAccount, Invoice
from atom.settings import Settings, reset_settings_cache
from billing.finalize import FinalizeError
from tests.billing.conftest import CLOSED, NEXT, CopyHome
from tests.billing.helpers import documents, engine_for, finalize

pytestmark = pytest.mark.slow


@pytest.fixture
def billing_home(billing_home_both: Settings) -> Settings:
    """Finalization writes the operational DB: every test here runs on SQLite and on PostgreSQL."""
    return billing_home_both


def _count(settings: Settings, sql: str) -> int:
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


PYTHON = sys.executable
ATOM = str(Path(sys.executable).with_name("atom"))


def _rated_totals(settings: Settings, period: str) -> dict[str, Decimal]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "select tenant_id, sum(line_amount) from marts.fct_invoice_lines where period = ? group by 1",
            [period],
        ).fetchall()
    return {tenant: Decimal(total) for tenant, total in rows}


def test_a_finalized_month_has_one_gapless_numbered_invoice_per_tenant(billing_home: Settings) -> None:
    result = finalize(billing_home, CLOSED)
    doc = documents(billing_home, CLOSED)["invoices"]

    assert result.created and result.invoices == len(doc) > 0 and result.credit_notes == 0
    assert [i["number"] for i in doc] == [f"ATOM-202609-{n:05d}" for n in range(1, len(doc) + 1)]
    assert [i["tenant_id"] for i in doc] == sorted({i["tenant_id"] for i in doc})
    rated = _rated_totals(billing_home, CLOSED)
    assert {i["tenant_id"]: Decimal(i["total"]) for i in doc} == rated
    for invoice in doc:
        assert invoice["status"] == "finalized" and invoice["currency"] == "usd"
        assert sum(Decimal(line["amount"]) for line in invoice["lines"]) == Decimal(invoice["total"])
        assert {line["kind"] for line in invoice["lines"]} <= {"usage", "recurring"}
        assert all(line["period"] == CLOSED for line in invoice["lines"])
        assert all(len(line["amount"].split(".")[1]) == 2 for line in invoice["lines"])


def test_finalizing_twice_returns_the_same_invoices_and_writes_nothing(billing_home: Settings) -> None:
    first = finalize(billing_home, CLOSED)
    before = documents(billing_home, CLOSED)
    second = finalize(billing_home, CLOSED)

    assert first.created and not second.created
    assert second.content_hash == first.content_hash and second.total_minor == first.total_minor
    assert documents(billing_home, CLOSED) == before


def test_due_date_is_net_30_unless_the_tenant_has_its_own_terms(billing_home: Settings) -> None:
    engine = engine_for(billing_home)
    with Session(engine) as session, session.begin():
        session.add(BillingAccount(tenant_id="ten_adventure_logistics", payment_terms_days=45))
    finalize(billing_home, CLOSED)
    with Session(engine) as session:
        due = {i.tenant_id: (i.issued_on, i.due_on) for i in session.scalars(select(Invoice))}
    engine.dispose()
    for tenant, (issued, due_on) in due.items():
        assert issued.isoformat() == "2026-10-01"
        expected = 45 if tenant == "ten_adventure_logistics" else 30
        assert due_on == issued + timedelta(days=expected), tenant


def test_the_current_month_and_months_before_a_closed_one_are_refused(billing_home: Settings) -> None:
    with pytest.raises(FinalizeError, match="has not ended yet"):
        finalize(billing_home, "2026-11")
    finalize(billing_home, NEXT)
    with pytest.raises(FinalizeError, match="months close in order"):
        finalize(billing_home, CLOSED)


KILLED_FINALIZE = """
import sys, time
from pathlib import Path
from datetime import date
import duckdb
from atom.settings import get_settings
from atom.opdb import make_engine, migrate
from billing.finalize import finalize_period

settings = get_settings()
migrate(settings.database_url)
kill_at, marker, period = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def on_document(index, number):
    if index == kill_at:
        marker.write_text(number)
        time.sleep(600)  # the test kills us here, inside the open transaction

with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
    finalize_period(make_engine(settings.database_url), conn, period, today=date(2026, 11, 20),
                    on_document=on_document, chunk_size=5)
"""


def _wait_for(predicate, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None:
            raise AssertionError(f"process ended early: {process.stderr.read() if process.stderr else ''}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("timed out waiting for the process to reach the kill point")
        time.sleep(0.05)


def _clean_copy(built_copies: CopyHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return built_copies(tmp_path / "clean", monkeypatch)


@pytest.mark.parametrize("kill_at", [5, 10_000], ids=["after-5-documents", "after-all-documents"])
def test_finalize_killed_inside_its_transaction_then_rerun_equals_a_clean_run(
    billing_home: Settings,
    built_copies: CopyHome,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kill_at: int,
) -> None:
    rated = len(_rated_totals(billing_home, CLOSED))
    kill_at = min(kill_at, rated)  # the last document: everything written, nothing committed
    script = tmp_path / "finalize_then_hang.py"
    script.write_text(KILLED_FINALIZE)
    marker = tmp_path / "reached"
    process = subprocess.Popen(
        [PYTHON, str(script), str(kill_at), str(marker), CLOSED],
        env=dict(os.environ),
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(marker.exists, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert _count(billing_home, "select count(*) from invoices") == 0
    assert _count(billing_home, "select count(*) from billing_runs") == 0
    rerun = finalize(billing_home, CLOSED)
    after_crash = documents(billing_home, CLOSED)

    clean = _clean_copy(built_copies, tmp_path, monkeypatch)
    clean_result = finalize(clean, CLOSED)
    assert rerun.created and rerun.content_hash == clean_result.content_hash
    assert after_crash == documents(clean, CLOSED)
    assert after_crash["invoices"][-1]["number"] == f"ATOM-202609-{rated:05d}"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ATOM_HOME=str(settings.home))
    return subprocess.run([ATOM, *args], env=env, capture_output=True, text=True, timeout=300)


def test_billing_run_killed_after_finalizing_then_rerun_equals_a_clean_run(
    billing_home: Settings, built_copies: CopyHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def month_closed() -> bool:
        try:
            return _count(billing_home, "select count(*) from billing_runs") > 0
        except DBAPIError:  # table not migrated yet, or (SQLite) the writer holds the lock
            return False

    process = subprocess.Popen(
        [ATOM, "billing", "run", "--period", CLOSED],
        env=dict(os.environ, ATOM_HOME=str(billing_home.home)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(month_closed, process)
    os.kill(process.pid, signal.SIGKILL)  # during the Stripe sync or the payouts
    process.wait()

    rerun = _cli(billing_home, "billing", "run", "--period", CLOSED)
    assert rerun.returncode == 0, rerun.stderr
    assert "already closed, unchanged" in rerun.stdout
    listed = _cli(billing_home, "billing", "invoices", "--period", CLOSED, "--format", "json")
    assert listed.returncode == 0, listed.stderr

    clean = _clean_copy(built_copies, tmp_path, monkeypatch)
    assert _cli(clean, "billing", "run", "--period", CLOSED).returncode == 0
    clean_listed = _cli(clean, "billing", "invoices", "--period", CLOSED, "--format", "json")
    after_crash = orjson.loads(listed.stdout)
    assert after_crash == orjson.loads(clean_listed.stdout)
    assert all(i["stripe_invoice_id"] for i in after_crash["invoices"])
    engine = make_engine(billing_home.database_url)
    with engine.connect() as db:
        per_invoice = db.execute(
            text(
                "select count(*) from stripe_requests where idempotency_key like '%/invoice'"
                " group by invoice_number"
            )
        ).fetchall()
    engine.dispose()
    assert len(per_invoice) == len(after_crash["invoices"]) and {n for (n,) in per_invoice} == {1}
    reset_settings_cache()
