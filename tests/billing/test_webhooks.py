"""POST /v1/webhooks/stripe on the intake API: signatures, deduplication, invoice status changes."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import date, datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from atom.opdb import Invoice, StripeEvent, Tenant, make_engine, migrate
from atom.settings import Settings, reset_settings_cache
from billing.webhooks import SignatureError, verify_event
from tests.orchestration.conftest import use_home

SECRET = "whsec_test_secret"
NUMBER = "ATOM-202610-00001"


@pytest.fixture
def api(
    tmp_path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[tuple[TestClient, Settings]]:
    """The API on a home whose operational DB is SQLite or PostgreSQL (tests/pg.py)."""
    from ingest.api.app import create_app

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    settings = use_home(monkeypatch, tmp_path / "home", database_url=database_url)
    settings.home.mkdir(parents=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session, session.begin():
        session.add(Tenant(id="ten_acme", name="Acme", created_at=datetime(2026, 1, 1)))
        session.flush()
        session.add(
            Invoice(
                number=NUMBER,
                document_type="invoice",
                tenant_id="ten_acme",
                period="2026-10",
                status="finalized",
                currency="usd",
                minor_units=2,
                total_minor=7403,
                issued_on=date(2026, 11, 1),
                due_on=date(2026, 12, 1),
                content_hash="0" * 64,
                finalized_at=datetime(2026, 11, 2),
                stripe_invoice_id="in_123",
            )
        )
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield client, settings
    reset_settings_cache()


def _event(event_id: str, type_: str, stripe_id: str = "in_123") -> bytes:
    return orjson.dumps(
        {"id": event_id, "type": type_, "data": {"object": {"id": stripe_id, "object": "invoice"}}}
    )


def _sign(payload: bytes, secret: str = SECRET, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _post(client: TestClient, payload: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/v1/webhooks/stripe", content=payload, headers=headers)


def _state(settings: Settings) -> tuple[str, int]:
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        invoice = session.get(Invoice, NUMBER)
        assert invoice is not None
        events = session.query(StripeEvent).count()
    engine.dispose()
    return invoice.status, events


def test_a_signed_invoice_paid_event_marks_the_invoice_paid(api) -> None:
    client, settings = api
    payload = _event("evt_1", "invoice.paid")
    response = _post(client, payload, _sign(payload))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "event_id": "evt_1",
        "outcome": "applied",
        "invoice_number": NUMBER,
        "status": "paid",
        "amount_paid": "74.03",
    }
    assert _state(settings) == ("paid", 1)


def test_a_redelivered_event_is_acknowledged_and_ignored(api) -> None:
    client, settings = api
    payload = _event("evt_1", "invoice.marked_uncollectible")
    assert _post(client, payload, _sign(payload)).json()["outcome"] == "applied"
    again = _post(client, payload, _sign(payload))
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert _state(settings) == ("uncollectible", 1)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "t=123",
        "garbage",
        "FORGED",
    ],
    ids=["missing", "no-v1", "garbage", "wrong-secret"],
)
def test_a_missing_or_forged_signature_gets_400_and_changes_nothing(api, signature: str | None) -> None:
    client, settings = api
    payload = _event("evt_2", "invoice.paid")
    if signature == "FORGED":
        signature = _sign(payload, secret="whsec_attacker")
    response = _post(client, payload, signature)
    assert response.status_code == 400 and response.json()["reason"] == "bad_signature"
    assert _state(settings) == ("finalized", 0)


def test_a_signature_over_a_different_body_gets_400(api) -> None:
    client, settings = api
    signed = _event("evt_3", "invoice.voided")
    tampered = _event("evt_3", "invoice.paid")
    assert _post(client, tampered, _sign(signed)).status_code == 400
    assert _state(settings) == ("finalized", 0)


def test_a_stale_signature_older_than_300_seconds_gets_400(api) -> None:
    client, settings = api
    payload = _event("evt_4", "invoice.paid")
    assert _post(client, payload, _sign(payload, at=int(time.time()) - 301)).status_code == 400
    assert _post(client, payload, _sign(payload, at=int(time.time()) - 200)).status_code == 200
    assert _state(settings) == ("paid", 1)


def test_a_signature_dated_more_than_300_seconds_in_the_future_gets_400(api) -> None:
    client, settings = api
    payload = _event("evt_8", "invoice.paid")
    # Well past the bound: a request that takes a second to reach the check (a busy machine, PostgreSQL)
    # must not bring a +301 s stamp back inside it. The exact boundary is the pure test below.
    response = _post(client, payload, _sign(payload, at=int(time.time()) + 330))
    assert response.status_code == 400 and response.json()["reason"] == "bad_signature"
    assert "future" in response.json()["detail"]
    assert _state(settings) == ("finalized", 0)
    assert _post(client, payload, _sign(payload, at=int(time.time()) + 200)).status_code == 200
    assert _state(settings) == ("paid", 1)


@pytest.mark.parametrize(
    ("offset", "fresh"),
    [(-301, False), (-300, True), (0, True), (300, True), (301, False), (86_400 * 365, False)],
)
def test_freshness_is_300_seconds_either_way_of_the_receiving_clock(offset: int, fresh: bool) -> None:
    payload = _event("evt_9", "invoice.paid")
    now = 1_790_000_000
    header = _sign(payload, at=now + offset)
    if fresh:
        assert verify_event(payload, header, SECRET, now=now)["id"] == "evt_9"
    else:
        with pytest.raises(SignatureError, match="either way"):
            verify_event(payload, header, SECRET, now=now)


def test_any_of_several_v1_signatures_may_match_for_secret_rotation(api) -> None:
    client, _ = api
    payload = _event("evt_5", "invoice.voided")
    t = int(time.time())
    old = _sign(payload, secret="whsec_old", at=t).split(",")[1]
    header = f"{_sign(payload, at=t).split(',')[0]},{old},{_sign(payload, at=t).split(',')[1]}"
    response = _post(client, payload, header)
    assert response.status_code == 200 and response.json()["status"] == "void"


def test_paid_and_void_are_final(api) -> None:
    client, settings = api
    paid = _event("evt_6", "invoice.paid")
    _post(client, paid, _sign(paid))
    void = _event("evt_7", "invoice.voided")
    response = _post(client, void, _sign(void))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert _state(settings) == ("paid", 2)


def test_invoice_paid_with_less_than_the_total_is_paid_and_a_bare_paid_event_does_not_top_it_up(api) -> None:
    """Decision 0703: Stripe settles an invoice whose rest a credit note took (amount_paid 50.00 of 74.03);
    a later paid event without amounts must not record the other 24.03 as received."""
    client, settings = api
    settled = orjson.dumps(
        {
            "id": "evt_s1",
            "type": "invoice.paid",
            "data": {"object": {"id": "in_123", "object": "invoice", "status": "paid", "amount_paid": 5000}},
        }
    )
    answer = _post(client, settled, _sign(settled)).json()
    assert (answer["status"], answer["amount_paid"]) == ("paid", "50.00")
    bare = _event("evt_s2", "invoice.payment_succeeded")
    answer = _post(client, bare, _sign(bare)).json()
    assert (answer["outcome"], answer["amount_paid"]) == ("ignored", "50.00")
    assert _state(settings) == ("paid", 2)
