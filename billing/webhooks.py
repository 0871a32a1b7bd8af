"""Stripe webhook events: signature verification, deduplication by event id, invoice status changes.

Verification is the official library's (``stripe.WebhookSignature.verify_header``): HMAC-SHA256 over
``"{t}.{payload}"``, any one of several ``v1`` signatures may match (secret rotation), constant-time
comparison. The library refuses only timestamps older than its tolerance; a signature dated in the future
would pass it, so the freshness check here is ours and two-sided (DESIGN 3.8: within 300 s either way).
An attacker who once captured a signed delivery cannot replay it later, and one who could get a payload
signed ahead of time cannot bank it for the future.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atom.opdb.billing import Invoice, StripeEvent

TOLERANCE_S = 300

# Stripe event type -> our invoice status.
STATUS_BY_EVENT = {
    "invoice.paid": "paid",
    "invoice.payment_succeeded": "paid",
    "invoice.marked_uncollectible": "uncollectible",
    "invoice.voided": "void",
}
# finalized -> paid | uncollectible | void (DESIGN 3.3); Stripe also lets an uncollectible invoice be paid
# or voided later. Paid and void are final.
ALLOWED = {
    "finalized": {"paid", "uncollectible", "void"},
    "uncollectible": {"paid", "void"},
}


class SignatureError(ValueError):
    pass


def signed_at(signature_header: str) -> int:
    """The ``t=`` of a ``Stripe-Signature`` header: the first one, as the library signs over the first."""
    for item in signature_header.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value)
    raise ValueError("no t= in the header")


def verify_event(
    payload: bytes, signature_header: str | None, secret: str, now: float | None = None
) -> dict[str, Any]:
    """The event of a correctly signed, fresh payload; :class:`SignatureError` otherwise.

    Fresh means signed within :data:`TOLERANCE_S` of ``now`` (default: the wall clock), before or after."""
    if not signature_header:
        raise SignatureError("missing Stripe-Signature header")
    try:
        # tolerance=None: the library's one-sided check is replaced by the two-sided one below.
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature_header, secret, None)
    except stripe.SignatureVerificationError as exc:
        raise SignatureError(str(exc).split(" (")[0] or "signature does not match") from exc
    except UnicodeDecodeError as exc:
        raise SignatureError("payload is not UTF-8") from exc
    now = time.time() if now is None else now
    skew = signed_at(signature_header) - now  # parses: the library has just read the same t=
    if abs(skew) > TOLERANCE_S:
        when = "in the future" if skew > 0 else "ago"
        raise SignatureError(
            f"signature timestamp is {abs(skew):.0f} s {when}; at most {TOLERANCE_S} s either way is accepted"
        )
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise SignatureError("payload is not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise SignatureError("payload is not a Stripe event (needs 'id' and 'type')")
    return event


@dataclass(frozen=True)
class EventOutcome:
    event_id: str
    outcome: str  # applied | duplicate | ignored
    invoice_number: str | None = None
    status: str | None = None


def _find_invoice(session: Session, obj: dict[str, Any]) -> Invoice | None:
    number = (obj.get("metadata") or {}).get("atom_invoice_number")
    if number:
        found = session.get(Invoice, number)
        if found is not None:
            return found
    stripe_id = obj.get("id")
    if not stripe_id:
        return None
    return session.scalars(select(Invoice).where(Invoice.stripe_invoice_id == stripe_id)).first()


def apply_event(session: Session, event: dict[str, Any], now: datetime | None = None) -> EventOutcome:
    """Apply a verified event once. The caller's transaction holds the event row and the status change
    together, so a crash between them cannot mark an event seen without its effect."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    event_id = event["id"]
    if session.get(StripeEvent, event_id) is not None:
        return EventOutcome(event_id, "duplicate")
    obj = ((event.get("data") or {}).get("object")) or {}
    target = STATUS_BY_EVENT.get(event["type"])
    invoice = _find_invoice(session, obj) if target else None
    outcome = EventOutcome(event_id, "ignored")
    if invoice is not None and target in ALLOWED.get(invoice.status, set()):
        invoice.status = target
        invoice.status_changed_at = now
        outcome = EventOutcome(event_id, "applied", invoice.number, target)
    elif invoice is not None:
        outcome = EventOutcome(event_id, "ignored", invoice.number, invoice.status)
    session.add(
        StripeEvent(
            event_id=event_id, type=event["type"], invoice_number=outcome.invoice_number, received_at=now
        )
    )
    try:
        session.flush()
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        session.rollback()
        return EventOutcome(event_id, "duplicate")
    return outcome
