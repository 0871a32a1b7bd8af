"""Void, credit notes and Connect transfers against the Stripe stand-in (decision 0710): the official client
sends ``POST /v1/invoices/{id}/void``, ``POST /v1/credit_notes`` and ``POST /v1/transfers`` with the keys
derived from our document numbers; a rerun sends nothing twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from atom.opdb import PartnerAccount, make_engine, session_scope
from billing.corrections import issue_credit_note, void_invoice
from billing.payouts import pay_partners
from billing.stripe_gateway import LiveGateway
from billing.stripe_sync import sync_period
from tests.api.conftest import make_settings, seed_world
from tests.api.test_invoice_corrections_and_statements import PERIOD, close_month
from tests.billing import stripe_server


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[stripe_server.StripeStandIn, str]]:
    routes = [
        *stripe_server.ROUTES,
        (re.compile(r"^/v1/invoices/(?P<id>[^/]+)/void$"), "invoice_void", "in"),
        (re.compile(r"^/v1/credit_notes$"), "credit_note", "cn"),
    ]
    monkeypatch.setattr(stripe_server, "ROUTES", routes)
    server_state = stripe_server.StripeStandIn(api_key="sk_test_atom")
    server, url = stripe_server.serve(server_state)
    yield server_state, url
    server.shutdown()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    world = seed_world(make_settings(tmp_path / "home"))
    close_month(world)
    eng = make_engine(world.settings.database_url)
    yield eng
    eng.dispose()


def test_void_credit_note_and_transfer_reach_stripe_once(
    stand_in: tuple[stripe_server.StripeStandIn, str], engine: Engine
) -> None:
    state, url = stand_in
    gateway = LiveGateway("sk_test_atom", url, max_network_retries=0)
    # A credit note issued before the month reached Stripe follows the invoice in its sync.
    with session_scope(engine) as session:
        early = issue_credit_note(session, gateway, "ATOM-202610-00001", "9.00", "migration", actor="t")
        assert early.stripe_credit_note_id is None
    sync_period(engine, gateway, PERIOD)
    with session_scope(engine) as session:
        void_invoice(session, gateway, "ATOM-202610-00002")
        late = issue_credit_note(session, gateway, "ATOM-202610-00001", "10.00", "sla", actor="t")
        assert late.stripe_credit_note_id and late.stripe_credit_note_id.startswith("cn_test_")
        session.add(PartnerAccount(publisher_id="acme", stripe_account_id="acct_1Acme"))
    sync_period(engine, gateway, PERIOD)  # nothing left to send
    pay_partners(engine, PERIOD, live=gateway)
    pay_partners(engine, PERIOD, live=gateway)
    sent = [(r.path, r.key) for r in state.requests if not r.replayed]
    by_path = {p: [k for q, k in sent if q == p] for p, _ in sent}
    assert by_path["/v1/credit_notes"] == ["ATOM-202610-00003/credit_note", "ATOM-202610-00004/credit_note"]
    void_paths = [p for p in by_path if p.endswith("/void")]
    assert len(void_paths) == 1 and by_path[void_paths[0]] == ["ATOM-202610-00002/void"]
    assert by_path["/v1/transfers"] == ["atom/payout/2026-10/acme"]
    transfer = next(r for r in state.requests if r.path == "/v1/transfers")
    assert transfer.params["destination"] == "acct_1Acme" and transfer.params["amount"] == "2135"
    credit = next(r for r in state.requests if r.key == "ATOM-202610-00004/credit_note")
    assert credit.params["amount"] == "1000" and credit.params["memo"] == "sla"
    assert not state.problems
