"""POST /v1/invoices/{number}/void and /credit-notes, PUT /v1/publishers/{id}/payout-account and
GET /v1/publishers/{id}/statements (DESIGN 3.3, 3.8; decision 0710), on a month closed by hand:

ten_acme  ATOM-202610-00001  plan 49.00 + slack-notify usage 20.00 (payout 14.00, fee 6.00)  = 69.00
ten_beta  ATOM-202610-00002  slack-notify usage 10.50 (payout 7.35, fee 3.15)                 = 10.50
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from atom.opdb import (
    AuditLog,
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
    Package,
    PartnerAccount,
    Publisher,
    StripeRequest,
    Tenant,
    make_engine,
    session_scope,
)
from billing.payouts import pay_partners
from tests.api.conftest import World

PERIOD = "2026-10"


def _line(
    number: str,
    n: int,
    tenant: str,
    kind: str,
    amount: int,
    payout: int = 0,
    fee: int = 0,
    package_id: str = "pkg_slack",
    publisher_id: str = "acme",
) -> InvoiceLine:
    package = kind == "usage"
    return InvoiceLine(
        invoice_number=number,
        line_number=n,
        tenant_id=tenant,
        kind=kind,
        line_key=f"{kind}/{'price_runs' if package else 'team'}",
        period=PERIOD,
        price_id="price_runs" if package else None,
        plan_id=None if package else "team",
        metric_id="workflow_runs" if package else None,
        package_id=package_id if package else None,
        publisher_id=publisher_id if package else None,
        quantity="1000" if package else "31",
        amount_minor=amount,
        partner_payout_minor=payout,
        platform_fee_minor=fee,
    )


def close_month(world: World, package_id: str = "pkg_slack", publisher_id: str = "acme") -> None:
    """October closed by hand; tenants, the publisher and the package are added when missing."""
    engine = make_engine(world.settings.database_url)
    now = datetime(2026, 11, 1, 0, 5)
    try:
        with session_scope(engine) as session:
            for tenant in ("ten_acme", "ten_beta"):
                if session.get(Tenant, tenant) is None:
                    session.add(Tenant(id=tenant, name=tenant.title(), created_at=now))
            if session.get(Publisher, publisher_id) is None:
                session.add(Publisher(id=publisher_id, name=publisher_id.title(), created_at=now))
            session.flush()
            if session.get(Package, package_id) is None:
                session.add(
                    Package(id=package_id, name="slack-notify", publisher_id=publisher_id, created_at=now)
                )
            for number, tenant, total in [
                ("ATOM-202610-00001", "ten_acme", 6900),
                ("ATOM-202610-00002", "ten_beta", 1050),
            ]:
                session.add(
                    Invoice(
                        number=number,
                        document_type="invoice",
                        tenant_id=tenant,
                        period=PERIOD,
                        status="finalized",
                        currency="usd",
                        minor_units=2,
                        total_minor=total,
                        issued_on=date(2026, 11, 1),
                        due_on=date(2026, 12, 1),
                        content_hash="0" * 64,
                        finalized_at=now,
                    )
                )
            session.flush()
            session.add_all(
                [
                    _line("ATOM-202610-00001", 1, "ten_acme", "recurring", 4900),
                    _line(
                        "ATOM-202610-00001", 2, "ten_acme", "usage", 2000, 1400, 600, package_id, publisher_id
                    ),
                    _line(
                        "ATOM-202610-00002", 1, "ten_beta", "usage", 1050, 735, 315, package_id, publisher_id
                    ),
                    InvoiceNumberSequence(period=PERIOD, last_number=2),
                    BillingRun(period=PERIOD, finalized_at=now, document_count=2, content_hash="0" * 64),
                ]
            )
    finally:
        engine.dispose()


@pytest.fixture
def closed(world: World) -> World:
    close_month(world)
    return world


def test_void_an_unpaid_invoice_then_409_and_audited(client: TestClient, closed: World) -> None:
    url = "/v1/invoices/ATOM-202610-00002/void"
    assert client.post(url, headers=closed.auth("ten_beta")).status_code == 403
    response = client.post(url, headers=closed.auth("admin"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "void"
    again = client.post(url, headers=closed.auth("admin"))
    assert (again.status_code, again.json()["reason"]) == (409, "already_void")
    assert client.post("/v1/invoices/ATOM-202610-00099/void", headers=closed.auth("admin")).status_code == 404
    engine = make_engine(closed.settings.database_url)
    try:
        with session_scope(engine) as session:
            assert session.get(Invoice, "ATOM-202610-00002").status == "void"  # type: ignore[union-attr]
            assert "invoice.void" in session.scalars(select(AuditLog.action)).all()
            # A credit note against a void invoice is refused.
    finally:
        engine.dispose()
    refused = client.post(
        "/v1/invoices/ATOM-202610-00002/credit-notes",
        headers=closed.auth("admin"),
        json={"amount": "1.00", "reason": "x"},
    )
    assert (refused.status_code, refused.json()["reason"]) == (409, "invoice_void")


def test_a_paid_invoice_cannot_be_voided(client: TestClient, closed: World) -> None:
    engine = make_engine(closed.settings.database_url)
    try:
        with session_scope(engine) as session:
            session.get(Invoice, "ATOM-202610-00001").status = "paid"  # type: ignore[union-attr]
    finally:
        engine.dispose()
    response = client.post("/v1/invoices/ATOM-202610-00001/void", headers=closed.auth("admin"))
    assert (response.status_code, response.json()["reason"]) == (409, "invoice_paid")


def test_credit_notes_up_to_the_total_less_earlier_ones(client: TestClient, closed: World) -> None:
    url = "/v1/invoices/ATOM-202610-00001/credit-notes"
    admin = closed.auth("admin")
    first = client.post(url, headers=admin, json={"amount": "19.99", "reason": "outage on Oct 12"})
    assert first.status_code == 201, first.text
    body = first.json()
    # Numbered after the month's two invoices, from the same sequence.
    assert body["number"] == "ATOM-202610-00003"
    assert (body["amount"], body["credited_total"], body["remaining"]) == ("19.99", "19.99", "49.01")
    too_much = client.post(url, headers=admin, json={"amount": "49.02", "reason": "goodwill"})
    assert (too_much.status_code, too_much.json()["reason"]) == (422, "exceeds_invoice")
    assert "49.01" in too_much.json()["detail"]
    places = client.post(url, headers=admin, json={"amount": "1.001", "reason": "goodwill"})
    assert (places.status_code, places.json()["reason"]) == (422, "bad_amount")
    zero = client.post(url, headers=admin, json={"amount": "0", "reason": "goodwill"})
    assert zero.status_code == 422
    rest = client.post(url, headers=admin, json={"amount": "49.01", "reason": "goodwill"})
    assert rest.status_code == 201 and rest.json()["number"] == "ATOM-202610-00004"
    assert rest.json()["remaining"] == "0.00"
    invoice = client.get("/v1/invoices/ATOM-202610-00001", headers=admin).json()
    assert (invoice["total"], invoice["credited"], invoice["open_amount"]) == ("69.00", "69.00", "0.00")
    assert [n["number"] for n in invoice["credit_notes"]] == ["ATOM-202610-00003", "ATOM-202610-00004"]
    # The invoice itself is unchanged, and a failed attempt handed out no number.
    engine = make_engine(closed.settings.database_url)
    try:
        with session_scope(engine) as session:
            assert session.get(Invoice, "ATOM-202610-00001").total_minor == 6900  # type: ignore[union-attr]
            assert session.get(InvoiceNumberSequence, PERIOD).last_number == 4  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_corrections_of_a_synced_invoice_go_to_the_dry_run_outbox(client: TestClient, closed: World) -> None:
    from billing.stripe_gateway import DryRunGateway
    from billing.stripe_sync import sync_period

    engine = make_engine(closed.settings.database_url)
    try:
        sync_period(engine, DryRunGateway(), PERIOD)
        admin = closed.auth("admin")
        note = client.post(
            "/v1/invoices/ATOM-202610-00001/credit-notes",
            headers=admin,
            json={"amount": "5", "reason": "sla"},
        )
        assert note.status_code == 201, note.text
        assert note.json()["stripe_credit_note_id"].startswith("cn_dry_")
        assert client.post("/v1/invoices/ATOM-202610-00002/void", headers=admin).json()["stripe_synced"]
        with session_scope(engine) as session:
            rows = {
                r.idempotency_key: r
                for r in session.scalars(
                    select(StripeRequest).where(
                        StripeRequest.path.in_(["/v1/credit_notes"]) | StripeRequest.path.like("%/void")
                    )
                )
            }
        assert set(rows) == {"ATOM-202610-00003/credit_note", "ATOM-202610-00002/void"}
        assert rows["ATOM-202610-00003/credit_note"].mode == "dry_run"
        assert '"amount":500' in rows["ATOM-202610-00003/credit_note"].params
    finally:
        engine.dispose()


def test_payout_account_validated_and_statement_from_finalized_documents(
    client: TestClient, closed: World
) -> None:
    url = "/v1/publishers/acme/payout-account"
    assert (
        client.put(url, headers=closed.auth("acme"), json={"stripe_account_id": "bank-123"}).status_code
        == 422
    )
    assert (
        client.put(url, headers=closed.auth("beta"), json={"stripe_account_id": "acct_1"}).status_code == 403
    )
    ok = client.put(url, headers=closed.auth("acme"), json={"stripe_account_id": "acct_1AcmeTest"})
    assert ok.status_code == 200, ok.text
    moved = client.put(url, headers=closed.auth("admin"), json={"stripe_account_id": "acct_2AcmeTest"})
    assert moved.json()["previous_stripe_account_id"] == "acct_1AcmeTest"

    statements = "/v1/publishers/acme/statements"
    early = client.get(statements, params={"period": PERIOD}, headers=closed.auth("acme"))
    assert early.status_code == 200, early.text
    assert early.json() == {
        "publisher_id": "acme",
        "period": PERIOD,
        "currency": "usd",
        "lines": [
            {
                "package_id": "pkg_slack",
                "gross_amount": "30.50",
                "payout_amount": "21.35",
                "platform_fee_amount": "9.15",
            }
        ],
        "gross_amount": "30.50",
        "platform_fee_amount": "9.15",
        "payout_amount": "21.35",
        "transfer_id": None,
    }
    engine = make_engine(closed.settings.database_url)
    try:
        result = pay_partners(engine, PERIOD)  # no live gateway: a dry-run transfer to the connected account
        assert result.payout_minor == 2135
        with session_scope(engine) as session:
            transfer = session.scalars(
                select(StripeRequest).where(StripeRequest.path == "/v1/transfers")
            ).one()
            assert '"destination":"acct_2AcmeTest"' in transfer.params
            assert session.get(PartnerAccount, "acme").stripe_account_id == "acct_2AcmeTest"  # type: ignore[union-attr]
    finally:
        engine.dispose()
    paid = client.get(statements, params={"period": PERIOD}, headers=closed.auth("admin")).json()
    assert paid["transfer_id"].startswith("tr_dry_") and paid["payout_amount"] == "21.35"
    assert (
        client.get(statements, params={"period": "2026-11"}, headers=closed.auth("acme")).status_code == 404
    )
    assert client.get(statements, params={"period": PERIOD}, headers=closed.auth("beta")).status_code == 403
    assert (
        client.get(statements, params={"period": "2026-13"}, headers=closed.auth("acme")).status_code == 422
    )
