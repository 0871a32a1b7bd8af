"""Partial payments through ``POST /v1/webhooks/stripe`` on a real ``uvicorn`` server (decision 0703), on
SQLite and PostgreSQL, with payloads signed as Stripe signs them (v1 HMAC-SHA256 over ``t.payload``).

ATOM-202610-00001 (ten_acme) totals 74.03 (7403 cents): 30.00 is paid (``invoice.updated``), then the rest
(``invoice.paid``); ATOM-202610-00002 (ten_beta) totals 10.50 and is overpaid.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from atom.opdb import Invoice, make_engine, session_scope
from atom.opdb.billing import InvoicePayment
from tests.api.conftest import LiveServer, World, seed_world, start_server, stop_server

SECRET = "whsec_partial_payments"
FIRST, SECOND = "ATOM-202610-00001", "ATOM-202610-00002"
PAID_AT = datetime(2026, 10, 25, 9, 0)
CREATED = int(PAID_AT.replace(tzinfo=UTC).timestamp())  # the events' "created", which dates the payments


@pytest.fixture
def live(settings) -> Iterator[tuple[LiveServer, World]]:
    world = seed_world(settings)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        for number, tenant, total, stripe_id in [
            (FIRST, "ten_acme", 7403, "in_first"),
            (SECOND, "ten_beta", 1050, "in_second"),
        ]:
            session.add(
                Invoice(
                    number=number,
                    document_type="invoice",
                    tenant_id=tenant,
                    period="2026-10",
                    status="finalized",
                    currency="usd",
                    minor_units=2,
                    total_minor=total,
                    issued_on=date(2026, 11, 1),
                    due_on=date(2026, 12, 1),
                    content_hash="0" * 64,
                    finalized_at=datetime(2026, 11, 1, 1),
                    stripe_invoice_id=stripe_id,
                )
            )
    engine.dispose()
    server = start_server(settings, STRIPE_WEBHOOK_SECRET=SECRET)
    try:
        yield server, world
    finally:
        stop_server(server)


def _invoice_event(
    event_id: str, type_: str, stripe_id: str, *, paid: int, remaining: int, status: str = "open", at: int = 0
) -> bytes:
    obj: dict[str, Any] = {
        "id": stripe_id,
        "object": "invoice",
        "status": status,
        "amount_paid": paid,
        "amount_remaining": remaining,
    }
    return orjson.dumps(
        {"id": event_id, "object": "event", "type": type_, "created": CREATED + at, "data": {"object": obj}}
    )


def _post(server: LiveServer, payload: bytes) -> httpx.Response:
    t = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return httpx.post(
        f"{server.url}/v1/webhooks/stripe",
        content=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={mac}"},
        timeout=30,
    )


def _state(world: World, number: str) -> tuple[str, int, list[tuple[int, datetime]]]:
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            invoice = session.get(Invoice, number)
            assert invoice is not None
            payments = [
                (p.amount_minor, p.paid_at)
                for p in session.scalars(
                    select(InvoicePayment)
                    .where(InvoicePayment.invoice_number == number)
                    .order_by(InvoicePayment.id)
                )
            ]
            return invoice.status, invoice.amount_paid_minor, payments
    finally:
        engine.dispose()


def test_a_partial_payment_then_the_rest_records_two_payments_and_marks_the_invoice_paid(
    live: tuple[LiveServer, World],
) -> None:
    server, world = live
    partial = _invoice_event("evt_p1", "invoice.updated", "in_first", paid=3000, remaining=4403)
    answer = _post(server, partial)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "event_id": "evt_p1",
        "outcome": "applied",
        "invoice_number": FIRST,
        "status": "finalized",
        "amount_paid": "30.00",
    }
    # Redelivered: deduplicated by id. An older, smaller report arriving late never lowers the amount.
    assert _post(server, partial).json()["outcome"] == "duplicate"
    stale = _invoice_event("evt_p0", "invoice.updated", "in_first", paid=1000, remaining=6403, at=-60)
    assert _post(server, stale).json() | {"event_id": None} == {
        "event_id": None,
        "outcome": "ignored",
        "invoice_number": FIRST,
        "status": "finalized",
        "amount_paid": "30.00",
    }
    # payment_succeeded for a partial payment (money still owed) is not "paid".
    same = _invoice_event("evt_p2", "invoice.payment_succeeded", "in_first", paid=3000, remaining=4403, at=5)
    assert _post(server, same).json()["status"] == "finalized"
    assert _state(world, FIRST) == ("finalized", 3000, [(3000, PAID_AT)])

    # The void endpoint refuses a partly paid invoice (Stripe does too): credit the rest instead.
    refused = httpx.post(f"{server.url}/v1/invoices/{FIRST}/void", headers=world.auth("admin"), timeout=30)
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "invoice_partly_paid"
    assert "44.03" in refused.json()["detail"]
    shown = httpx.get(f"{server.url}/v1/invoices/{FIRST}", headers=world.auth("admin"), timeout=30).json()
    assert (shown["total"], shown["amount_paid"], shown["open_amount"]) == ("74.03", "30.00", "44.03")

    rest = _invoice_event(
        "evt_p3", "invoice.paid", "in_first", paid=7403, remaining=0, status="paid", at=86_400
    )
    assert _post(server, rest).json() == {
        "event_id": "evt_p3",
        "outcome": "applied",
        "invoice_number": FIRST,
        "status": "paid",
        "amount_paid": "74.03",
    }
    assert _state(world, FIRST) == (
        "paid",
        7403,
        [(3000, PAID_AT), (4403, datetime(2026, 10, 26, 9, 0))],
    )


def test_an_overpayment_is_capped_at_the_invoice_total(live: tuple[LiveServer, World]) -> None:
    server, world = live
    over = _invoice_event("evt_o1", "invoice.overpaid", "in_second", paid=2000, remaining=0, status="paid")
    answer = _post(server, over).json()
    assert (answer["status"], answer["amount_paid"]) == ("paid", "10.50")
    assert _state(world, SECOND) == ("paid", 1050, [(1050, PAID_AT)])
    # The other invoice is untouched.
    assert _state(world, FIRST) == ("finalized", 0, [])
