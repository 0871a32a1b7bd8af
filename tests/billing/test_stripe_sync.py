"""Stripe sync through the official client against a local stand-in that checks every request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from atom.opdb import (
    Invoice,
    InvoiceLine,
    Package,
    PartnerAccount,
    PartnerPayout,
    Publisher,
    StripeRequest,
    Tenant,
    make_engine,
    migrate,
)
from billing.payouts import pay_partners
from billing.stripe_gateway import DryRunGateway, LiveGateway
from billing.stripe_sync import sync_period
from tests.billing.stripe_server import StripeStandIn, serve

API_KEY = "sk_test_atom"
PERIOD = "2026-10"


def _line(number: str, n: int, tenant: str, kind: str, amount: int, **kw) -> InvoiceLine:
    payout = kw.pop("payout", 0)
    return InvoiceLine(
        invoice_number=number,
        line_number=n,
        tenant_id=tenant,
        kind=kind,
        line_key=kw.pop("line_key", f"{kind}/x{n}"),
        period=kw.pop("period", PERIOD),
        quantity=kw.pop("quantity", "10"),
        amount_minor=amount,
        partner_payout_minor=payout,
        platform_fee_minor=amount - payout,
        **kw,
    )


def _invoice(number: str, tenant: str, total: int, document_type: str = "invoice") -> Invoice:
    return Invoice(
        number=number,
        document_type=document_type,
        tenant_id=tenant,
        period=PERIOD,
        status="finalized",
        currency="usd",
        minor_units=2,
        total_minor=total,
        issued_on=date(2026, 11, 1),
        due_on=date(2026, 12, 1),
        content_hash="0" * 64,
        finalized_at=datetime(2026, 11, 2),
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A small world in a fresh operational DB, SQLite and PostgreSQL (tests/pg.py)."""
    url = database_url
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as s, s.begin():
        s.add_all(
            [
                Tenant(id="ten_a", name="Alpha", created_at=datetime(2026, 1, 1)),
                Tenant(id="ten_b", name="Beta", created_at=datetime(2026, 1, 1)),
                Publisher(id="pub_x", name="X", created_at=datetime(2026, 1, 1)),
                Publisher(id="pub_y", name="Y", created_at=datetime(2026, 1, 1)),
            ]
        )
        s.flush()
        s.add_all(
            [
                Package(id="pkg_x", name="x-pkg", publisher_id="pub_x", created_at=datetime(2026, 1, 1)),
                Package(id="pkg_y", name="y-pkg", publisher_id="pub_y", created_at=datetime(2026, 1, 1)),
                PartnerAccount(publisher_id="pub_x", stripe_account_id="acct_x"),
                _invoice("ATOM-202610-00001", "ten_a", 6234),
                _invoice("ATOM-202610-00002", "ten_b", 4900),
                _invoice("ATOM-202610-00003", "ten_a", -150, "credit_note"),
            ]
        )
        s.flush()
        s.add_all(
            [
                _line("ATOM-202610-00001", 1, "ten_a", "recurring", 4900, plan_id="team"),
                _line(
                    "ATOM-202610-00001",
                    2,
                    "ten_a",
                    "usage",
                    1234,
                    price_id="price_x",
                    package_id="pkg_x",
                    publisher_id="pub_x",
                    payout=864,
                ),
                _line(
                    "ATOM-202610-00001",
                    3,
                    "ten_a",
                    "adjustment",
                    100,
                    price_id="price_y",
                    package_id="pkg_y",
                    publisher_id="pub_y",
                    payout=70,
                    period="2026-09",
                ),
                _line("ATOM-202610-00002", 1, "ten_b", "recurring", 4900, plan_id="team"),
                _line(
                    "ATOM-202610-00003",
                    1,
                    "ten_a",
                    "adjustment",
                    -150,
                    price_id="price_x",
                    package_id="pkg_x",
                    publisher_id="pub_x",
                    payout=-105,
                    period="2026-09",
                ),
            ]
        )
    yield engine
    engine.dispose()


@pytest.fixture
def stripe_stand_in() -> Iterator[tuple[StripeStandIn, str]]:
    stand_in = StripeStandIn(API_KEY)
    server, base = serve(stand_in)
    yield stand_in, base
    server.shutdown()
    server.server_close()


def _gateway(base: str) -> LiveGateway:
    return LiveGateway(API_KEY, base, max_network_retries=2)


def test_each_document_reaches_stripe_once_with_integer_amounts_and_idempotency_keys(
    engine, stripe_stand_in
) -> None:
    stand_in, base = stripe_stand_in
    result = sync_period(engine, _gateway(base), PERIOD)

    assert stand_in.problems == []
    assert result.mode == "live" and result.documents == 3
    assert stand_in.created == {"customer": 2, "invoice": 3, "invoiceitem": 5, "invoice_finalize": 3}
    keys = [r.key for r in stand_in.requests]
    assert len(keys) == len(set(keys)) == result.requests_sent == 13
    assert "ATOM-202610-00001/line/2" in keys and "ATOM-202610-00003/finalize" in keys
    assert "atom/customer/ten_a" in keys
    item = next(r for r in stand_in.requests if r.key == "ATOM-202610-00001/line/2")
    assert item.path == "/v1/invoiceitems"
    assert item.params["amount"] == "1234" and item.params["currency"] == "usd"
    assert item.params["metadata[atom_invoice_number]"] == "ATOM-202610-00001"
    assert item.params["metadata[atom_line_number]"] == "2"
    assert item.params["invoice"].startswith("in_test_") and item.params["customer"].startswith("cus_test_")
    credit = next(r for r in stand_in.requests if r.key == "ATOM-202610-00003/line/1")
    assert credit.params["amount"] == "-150"
    invoice = next(r for r in stand_in.requests if r.key == "ATOM-202610-00002/invoice")
    assert invoice.params["days_until_due"] == "30" and invoice.params["collection_method"] == "send_invoice"
    with Session(engine) as s:
        ids = set(s.scalars(select(Invoice.stripe_invoice_id)))
    assert len(ids) == 3 and all(i and i.startswith("in_test_") for i in ids)


def test_a_second_sync_sends_nothing(engine, stripe_stand_in) -> None:
    stand_in, base = stripe_stand_in
    first = sync_period(engine, _gateway(base), PERIOD)
    sent = len(stand_in.requests)
    again = sync_period(engine, _gateway(base), PERIOD)
    assert first.already_synced == 0 and first.requests_sent == 13
    assert again.requests_sent == 0 and again.already_synced == again.documents == 3
    assert len(stand_in.requests) == sent


def test_a_lost_reply_is_retried_with_the_same_key_and_replayed_not_duplicated(
    engine, stripe_stand_in
) -> None:
    stand_in, base = stripe_stand_in
    stand_in.drop_replies = {"/v1/invoiceitems": 1, "/v1/invoices": 1}
    sync_period(engine, _gateway(base), PERIOD)

    assert stand_in.problems == []
    replays = [r for r in stand_in.requests if r.replayed]
    assert len(replays) == 2
    assert stand_in.created == {"customer": 2, "invoice": 3, "invoiceitem": 5, "invoice_finalize": 3}


def test_a_crash_before_the_ledger_commit_resends_with_the_same_keys(engine, stripe_stand_in) -> None:
    stand_in, base = stripe_stand_in
    sync_period(engine, _gateway(base), PERIOD)
    with Session(engine) as s, s.begin():
        before = s.get(Invoice, "ATOM-202610-00001").stripe_invoice_id
        # What a process killed after Stripe answered but before its commit leaves behind.
        s.execute(delete(StripeRequest).where(StripeRequest.invoice_number == "ATOM-202610-00001"))
        s.get(Invoice, "ATOM-202610-00001").stripe_invoice_id = None

    result = sync_period(engine, _gateway(base), PERIOD)
    assert result.requests_sent == 5  # invoice, 3 items, finalize: all replays
    assert stand_in.problems == []
    assert sum(r.replayed for r in stand_in.requests) == 5
    assert stand_in.created == {"customer": 2, "invoice": 3, "invoiceitem": 5, "invoice_finalize": 3}
    with Session(engine) as s:
        assert s.get(Invoice, "ATOM-202610-00001").stripe_invoice_id == before


def test_without_an_api_key_every_request_goes_to_the_outbox_only(engine, stripe_stand_in) -> None:
    stand_in, _ = stripe_stand_in
    result = sync_period(engine, DryRunGateway(), PERIOD)
    assert result.mode == "dry_run" and result.requests_sent == 13
    assert stand_in.requests == []
    with Session(engine) as s:
        outbox = s.scalars(select(StripeRequest).order_by(StripeRequest.idempotency_key)).all()
    assert {r.mode for r in outbox} == {"dry_run"} and len(outbox) == 13
    item = next(r for r in outbox if r.idempotency_key == "ATOM-202610-00001/line/2")
    assert item.path == "/v1/invoiceitems" and '"amount":1234' in item.params


def test_payouts_transfer_to_connected_partners_and_conserve_money(engine, stripe_stand_in) -> None:
    stand_in, base = stripe_stand_in
    result = pay_partners(engine, PERIOD, live=_gateway(base))
    again = pay_partners(engine, PERIOD, live=_gateway(base))

    # pub_x: 12.34 billed, -1.50 credited; pub_y: 1.00 billed (an adjustment line).
    assert result.gross_minor == 1234 - 150 + 100
    assert result.payout_minor + result.platform_fee_minor == result.gross_minor
    assert (result.transfers_live, result.transfers_dry_run) == (1, 1)
    assert again == result
    transfers = [r for r in stand_in.requests if r.path == "/v1/transfers"]
    assert len(transfers) == 1 and stand_in.created["transfer"] == 1
    assert transfers[0].params["destination"] == "acct_x" and transfers[0].params["amount"] == str(864 - 105)
    assert transfers[0].key == f"atom/payout/{PERIOD}/pub_x"
    with Session(engine) as s:
        payouts = {p.publisher_id: p for p in s.scalars(select(PartnerPayout))}
    assert payouts["pub_x"].stripe_transfer_id == "tr_test_000001"
    assert payouts["pub_y"].stripe_transfer_id.startswith("tr_dry_")
