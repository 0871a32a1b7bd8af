"""Dunning (issue 15 item 3): unpaid invoices make a tenant past_due, then suspended; paying reverses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from atom.opdb import AuditLog, Invoice, Tenant, TenantEvent, make_engine, migrate, session_scope
from atom.opdb.marketplace_ops import CreditNote
from atom.settings import get_settings, reset_settings_cache
from billing.subscriptions import Actor, current_state, run_dunning, set_status


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'atom.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        for tenant_id in ("ten_late", "ten_paid", "ten_operator"):
            session.add(Tenant(id=tenant_id, name=tenant_id, created_at=datetime(2026, 1, 1)))
            session.add(TenantEvent(tenant_id=tenant_id, state="active", occurred_at=datetime(2026, 1, 1)))
        session.flush()
        for number, tenant_id, status in (
            ("ATOM-202701-00001", "ten_late", "finalized"),
            ("ATOM-202701-00002", "ten_paid", "paid"),
            ("ATOM-202701-00003", "ten_operator", "finalized"),
        ):
            session.add(
                Invoice(
                    number=number,
                    document_type="invoice",
                    tenant_id=tenant_id,
                    period="2027-01",
                    status=status,
                    currency="usd",
                    minor_units=2,
                    total_minor=4900,
                    issued_on=date(2027, 2, 1),
                    due_on=date(2027, 3, 3),
                    content_hash="x",
                    finalized_at=datetime(2027, 2, 1),
                )
            )
    yield engine
    engine.dispose()


def _dun(engine: Engine, on: date) -> dict[str, str | None]:
    with session_scope(engine) as session:
        run_dunning(session, on, past_due_days=7, suspend_days=14)
        return {t: current_state(session, t) for t in ("ten_late", "ten_paid", "ten_operator")}


def test_overdue_becomes_past_due_then_suspended_and_paying_reverses_it(engine: Engine) -> None:
    with session_scope(engine) as session:  # the operator suspended this one by hand: dunning leaves it
        set_status(session, "ten_operator", "suspended", Actor("admin:ops"))
    assert _dun(engine, date(2027, 3, 9))["ten_late"] == "active"  # 6 days after due
    assert _dun(engine, date(2027, 3, 10)) == {
        "ten_late": "past_due",
        "ten_paid": "active",
        "ten_operator": "suspended",
    }
    assert _dun(engine, date(2027, 3, 23))["ten_late"] == "past_due"  # 20 days: 7 + 14 not reached
    assert _dun(engine, date(2027, 3, 24))["ten_late"] == "suspended"
    assert _dun(engine, date(2027, 3, 25))["ten_late"] == "suspended"  # nothing recorded twice

    with session_scope(engine) as session:
        session.get(Invoice, "ATOM-202701-00001").status = "paid"  # type: ignore[union-attr]
        session.get(Invoice, "ATOM-202701-00003").status = "paid"  # type: ignore[union-attr]
    assert _dun(engine, date(2027, 3, 26)) == {
        "ten_late": "active",
        "ten_paid": "active",
        "ten_operator": "suspended",  # an operator's suspension is the operator's to lift
    }
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AuditLog).where(AuditLog.action == "tenant.status", AuditLog.target_id == "ten_late")
        ).all()
    assert [(r.actor, json.loads(r.details_json)["to"]) for r in rows] == [
        ("system:dunning", "past_due"),
        ("system:dunning", "suspended"),
        ("system:dunning", "active"),
    ]


def test_the_dagster_dunning_job_applies_the_settings(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.defs.dunning import dunning_job
    from orchestration.resources import OperationalDBResource

    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOM_TODAY", "2027-03-05")
    monkeypatch.setenv("ATOM_DUNNING_PAST_DUE_DAYS", "1")
    reset_settings_cache()
    try:
        assert get_settings().atom_dunning_past_due_days == 1
        result = dunning_job.execute_in_process(
            resources={"operational_db": OperationalDBResource(database_url=str(engine.url))}
        )
    finally:
        reset_settings_cache()
    assert result.success
    with session_scope(engine) as session:
        assert current_state(session, "ten_late") == "past_due"


def _credit_note(number: str, invoice: str, tenant_id: str, minor: int, on: date) -> CreditNote:
    return CreditNote(
        number=number,
        invoice_number=invoice,
        tenant_id=tenant_id,
        period="2027-01",
        currency="usd",
        minor_units=2,
        amount_minor=minor,
        reason="goodwill",
        issued_on=on,
        created_at=datetime.combine(on, datetime.min.time()),
        created_by="admin:ops",
    )


def test_an_invoice_credited_or_paid_down_to_nothing_is_not_dunned(engine: Engine) -> None:
    # ten_late's 49.00: paid 30.00, then credited 19.00 (it owes nothing, though still "finalized");
    # ten_operator's 49.00: credited 40.00, so 9.00 is still owed and it is dunned.
    with session_scope(engine) as session:
        session.get(Invoice, "ATOM-202701-00001").amount_paid_minor = 3000  # type: ignore[union-attr]
        session.add(
            _credit_note("ATOM-202701-00004", "ATOM-202701-00001", "ten_late", 1900, date(2027, 3, 5))
        )
        session.add(
            _credit_note("ATOM-202701-00005", "ATOM-202701-00003", "ten_operator", 4000, date(2027, 3, 5))
        )
    assert _dun(engine, date(2027, 3, 10)) == {
        "ten_late": "active",
        "ten_paid": "active",
        "ten_operator": "past_due",
    }

    # A credit note for the rest clears it: dunning takes its own past_due back.
    with session_scope(engine) as session:
        session.add(
            _credit_note("ATOM-202701-00006", "ATOM-202701-00003", "ten_operator", 900, date(2027, 3, 11))
        )
    assert _dun(engine, date(2027, 3, 12))["ten_operator"] == "active"
