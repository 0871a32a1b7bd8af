"""Stripe webhook events: signature verification, deduplication by event id, invoice status changes and
the amount paid (partial payments, decision 0703).

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
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atom.opdb.billing import Invoice, InvoicePayment, StripeEvent
from billing.money import format_minor

TOLERANCE_S = 300

# Stripe event type -> our invoice status.
STATUS_BY_EVENT = {
    "invoice.paid": "paid",
    "invoice.payment_succeeded": "paid",
    "invoice.marked_uncollectible": "uncollectible",
    "invoice.voided": "void",
}
# Events whose object is the Stripe invoice, carrying its cumulative ``amount_paid`` and ``amount_remaining``
# (minor units): each raises our amount paid to what Stripe reports, capped at the invoice total. Per-payment
# events (``invoice_payment.paid``, ``payment_intent.succeeded``) are not read: they carry one payment's amount,
# which the invoice's next ``invoice.updated`` / ``invoice.paid`` reports again inside its cumulative amount, so
# taking both would count a payment twice whatever order they come in (decision 0703).
AMOUNT_EVENTS = {"invoice.paid", "invoice.payment_succeeded", "invoice.updated", "invoice.overpaid"}
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
    amount_paid: str | None = None  # the invoice's amount paid after the event, major units


def _int_field(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reported_paid(obj: dict[str, Any], event_type: str, total: int) -> tuple[int | None, bool]:
    """(cumulative amount paid the event reports, capped at ``total``; whether it says the invoice is paid).

    ``invoice.paid`` means paid, whatever amount it carries (credit notes or the customer's balance may have
    taken the rest). ``invoice.payment_succeeded`` is paid unless the object shows money still owed
    (``amount_remaining`` > 0 on an invoice that is not ``paid``): a partial payment. Without ``amount_paid``
    a paid event means paid in full, as before partial payments were modelled."""
    status = obj.get("status")
    remaining = _int_field(obj, "amount_remaining")
    if event_type == "invoice.paid":
        says_paid = True
    elif event_type == "invoice.payment_succeeded":
        says_paid = status == "paid" or not (remaining is not None and remaining > 0)
    else:
        says_paid = status == "paid"
    amount = _int_field(obj, "amount_paid")
    if amount is None:
        return (total if says_paid else None), says_paid
    return max(0, min(amount, total)), says_paid


def _event_time(event: dict[str, Any], now: datetime) -> datetime:
    created = _int_field(event, "created")
    return now if created is None else datetime.fromtimestamp(created, UTC).replace(tzinfo=None)


def _record_payment(
    session: Session, invoice: Invoice, reported: int, event: dict[str, Any], now: datetime
) -> bool:
    """Raise the invoice's amount paid to ``reported`` (never lower it: events come in any order) with one
    payment row for the rise; True when it rose. The invoice row is locked first (an UPDATE) so two events
    of one invoice handled at once cannot both add the same rise."""
    session.execute(
        update(Invoice)
        .where(Invoice.number == invoice.number)
        .values(amount_paid_minor=Invoice.amount_paid_minor)
    )
    session.refresh(invoice)
    rise = reported - invoice.amount_paid_minor
    if rise <= 0:
        return False
    session.add(
        InvoicePayment(
            invoice_number=invoice.number,
            amount_minor=rise,
            paid_at=_event_time(event, now),
            stripe_event_id=event["id"],
            recorded_at=now,
        )
    )
    invoice.amount_paid_minor = reported
    return True


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
    event_type = event["type"]
    target = STATUS_BY_EVENT.get(event_type)
    reports_amount = event_type in AMOUNT_EVENTS and obj.get("object", "invoice") == "invoice"
    invoice = _find_invoice(session, obj) if target or reports_amount else None
    outcome = EventOutcome(event_id, "ignored")
    if invoice is not None:
        changed = False
        if reports_amount and invoice.document_type == "invoice" and invoice.status != "void":
            reported, says_paid = _reported_paid(obj, event_type, invoice.total_minor)
            # A paid event without amounts means "in full" only for an invoice not yet paid: on one already
            # paid (perhaps partly by credit), it must not top the payments up to the total.
            explicit = _int_field(obj, "amount_paid") is not None
            if reported is not None and (explicit or invoice.status != "paid"):
                changed = _record_payment(session, invoice, reported, event, now)
            # Paid when Stripe says so, or once the payments reach the total.
            paid_in_full = invoice.total_minor > 0 and invoice.amount_paid_minor >= invoice.total_minor
            target = "paid" if says_paid or paid_in_full else None
        if target is not None and target in ALLOWED.get(invoice.status, set()):
            invoice.status = target
            invoice.status_changed_at = now
            changed = True
        paid = format_minor(invoice.amount_paid_minor, invoice.minor_units)
        outcome = EventOutcome(
            event_id, "applied" if changed else "ignored", invoice.number, invoice.status, paid
        )
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
