"""The billing desk's corrections (finance): void, credit note and payout account, each audited in the
operational DB and sent to the Stripe outbox (no STRIPE_API_KEY: dry run). The month is the one closed by
hand in tests/api/test_invoice_corrections_and_statements.py (ten_acme 69.00, ten_beta 10.50)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from atom.opdb import AuditLog, Invoice, PartnerAccount, make_engine, session_scope
from atom.opdb.marketplace_ops import CreditNote
from atom.settings import get_settings
from tests.api.test_invoice_corrections_and_statements import close_month
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import engine_url, run_as


@pytest.fixture
def billing_world(portal_world: PortalHome) -> PortalHome:
    engine_url()  # migrated
    close_month(
        SimpleNamespace(settings=get_settings()), package_id="pkg_slack_notify", publisher_id="pub_acme"
    )  # type: ignore[arg-type]
    return portal_world


def _audit(action: str) -> list[AuditLog]:
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            rows = session.scalars(select(AuditLog).where(AuditLog.action == action)).all()
            session.expunge_all()
            return list(rows)
    finally:
        engine.dispose()


def _get(model, key):  # type: ignore[no-untyped-def]
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            row = session.get(model, key)
            if row is not None:
                session.expunge(row)
            return row
    finally:
        engine.dispose()


def test_money_on_the_billing_desk_has_the_currencys_places_and_no_none(billing_world: PortalHome) -> None:
    at = run_as("finance", "billing.py")
    assert not at.exception
    months = at.dataframe[0].value
    for column in ("Rated usage", "Rated recurring", "Invoiced", "Collected"):
        for value in months[column]:
            assert value == "" or (value.startswith(("$", "-$")) and value.split(".")[-1].isdigit()), value
            assert value == "" or len(value.split(".")[-1]) == 2, value
    assert "None" not in months.to_string()
    invoices = next(df.value for df in at.dataframe if "Number" in df.value.columns)
    assert set(invoices["Total"]) == {"$69.00", "$10.50"}


def test_finance_voids_an_unpaid_invoice_and_it_is_audited(billing_world: PortalHome) -> None:
    at = run_as("finance", "billing.py")
    choice = next(o for o in at.selectbox(key="void_invoice").options if o.startswith("ATOM-202610-00002"))
    at.selectbox(key="void_invoice").set_value(choice)
    at.checkbox(key="void_confirm").check()
    at.run()
    at.button(key="void_submit").click()
    at.run()
    assert not at.exception
    assert any("ATOM-202610-00002 is void" in s.value for s in at.success), [e.value for e in at.error]
    assert _get(Invoice, "ATOM-202610-00002").status == "void"
    [entry] = _audit("invoice.void")
    assert (entry.actor, entry.target_id) == ("finance@atom.test", "ATOM-202610-00002")
    assert json.loads(entry.details_json)["via"] == "portal"


def test_finance_issues_a_credit_note_and_too_much_is_refused(billing_world: PortalHome) -> None:
    at = run_as("finance", "billing.py")
    choice = next(o for o in at.selectbox(key="credit_invoice").options if o.startswith("ATOM-202610-00001"))
    assert "$69.00 left to credit" in choice
    at.selectbox(key="credit_invoice").set_value(choice)
    at.text_input(key="credit_amount").input("70.00")
    at.text_input(key="credit_reason").input("goodwill")
    at.run()
    at.button(key="credit_submit").click()
    at.run()
    assert any("more than what is left" in e.value for e in at.error)
    assert _audit("invoice.credit_note") == []

    at.text_input(key="credit_amount").input("19.99")
    at.run()
    at.button(key="credit_submit").click()
    at.run()
    assert not at.exception
    assert any("Credit note ATOM-202610-00003: $19.99" in s.value for s in at.success), [
        e.value for e in at.error
    ]
    note = _get(CreditNote, "ATOM-202610-00003")
    assert (note.invoice_number, note.amount_minor, note.created_by) == (
        "ATOM-202610-00001",
        1999,
        "finance@atom.test",
    )
    [entry] = _audit("invoice.credit_note")
    assert json.loads(entry.details_json)["amount"] == "19.99"


def test_finance_sets_a_payout_account_and_a_bad_id_is_refused(billing_world: PortalHome) -> None:
    at = run_as("finance", "billing.py")
    at.selectbox(key="payout_publisher").set_value("pub_acme")
    at.text_input(key="payout_account").input("bank 123")
    at.run()
    at.button(key="payout_submit").click()
    at.run()
    assert any("is not a Stripe account id" in e.value for e in at.error)
    at.text_input(key="payout_account").input("acct_1PortalAcme")
    at.run()
    at.button(key="payout_submit").click()
    at.run()
    assert not at.exception
    assert _get(PartnerAccount, "pub_acme").stripe_account_id == "acct_1PortalAcme"
    [entry] = _audit("publisher.payout_account")
    assert entry.actor == "finance@atom.test" and entry.target_id == "pub_acme"


def test_corrections_are_not_offered_to_an_analyst(billing_world: PortalHome) -> None:
    # The billing desk (and its corrections) is not among an analyst's pages at all.
    with pytest.raises(ValueError, match="navigation page"):
        run_as("analyst", "billing.py")


def test_the_invoice_list_shows_paid_and_due_and_a_partly_paid_invoice_cannot_be_voided(
    billing_world: PortalHome,
) -> None:
    """Decision 0703: ten_acme paid 25.00 of its 69.00 (what a Stripe partial payment records)."""
    from datetime import datetime

    from atom.opdb.billing import InvoicePayment

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            invoice = session.get(Invoice, "ATOM-202610-00001")
            assert invoice is not None
            invoice.amount_paid_minor = 2500
            session.add(
                InvoicePayment(
                    invoice_number=invoice.number,
                    amount_minor=2500,
                    paid_at=datetime(2026, 11, 10, 9),
                    stripe_event_id="evt_partial",
                    recorded_at=datetime(2026, 11, 10, 9),
                )
            )
    finally:
        engine.dispose()
    at = run_as("finance", "billing.py")
    assert not at.exception
    invoices = next(df.value for df in at.dataframe if "Number" in df.value.columns)
    shown = {r["Number"]: (r["Paid"], r["Amount due"]) for r in invoices.to_dict("records")}
    assert shown == {"ATOM-202610-00001": ("$25.00", "$44.00"), "ATOM-202610-00002": ("$0.00", "$10.50")}
    voidable = at.selectbox(key="void_invoice").options
    assert not any(o.startswith("ATOM-202610-00001") for o in voidable), voidable
    assert any(o.startswith("ATOM-202610-00002") for o in voidable), voidable
