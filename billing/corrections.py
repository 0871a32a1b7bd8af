"""Operator corrections of finalized invoices (DESIGN 3.3, 3.8; decision 0710): void and credit notes.

Invoices are immutable. A void changes only the status (finalized or uncollectible -> void; a paid or
partly paid invoice cannot be voided, credit it instead: decision 0703). A credit note is its own document against one invoice, numbered
from the invoice month's gapless sequence after the documents finalization gave out, at most the invoice
total less earlier credit notes. Both reach Stripe through the same ledger as finalization:

* void: ``POST /v1/invoices/{id}/void`` (key ``<number>/void``);
* credit note: ``POST /v1/credit_notes`` against the Stripe invoice (key ``<credit note number>/credit_note``).

When the invoice has not reached Stripe yet (its month was finalized but not synced), nothing is sent now:
:func:`billing.stripe_sync.sync_period` sends the void and the credit notes right after the invoice, so
Stripe never holds an open invoice we voided. Without a Stripe key every request goes to the dry-run outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from atom import clock
from atom.opdb.billing import Invoice, InvoiceNumberSequence, StripeRequest
from atom.opdb.marketplace_ops import CreditNote
from atom.opdb.registry import utcnow
from billing.finalize import invoice_number
from billing.money import format_minor
from billing.stripe_gateway import StripeGateway
from billing.stripe_sync import FINALIZE_SUFFIX, _Ledger, credit_note_key, credit_note_params, void_key

VOIDABLE = ("finalized", "uncollectible")
CREDITABLE = ("finalized", "paid", "uncollectible")


class CorrectionError(Exception):
    """A refused correction: ``status`` is the HTTP status the API answers with, ``reason`` its code."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass(frozen=True)
class VoidResult:
    number: str
    status: str
    stripe_invoice_id: str | None
    stripe_mode: str | None  # None when the void waits for the invoice's own sync


@dataclass(frozen=True)
class CreditNoteResult:
    number: str
    invoice_number: str
    tenant_id: str
    currency: str
    amount: str
    reason: str
    issued_on: date
    invoice_total: str
    credited_total: str  # every credit note of the invoice, this one included
    remaining: str
    stripe_credit_note_id: str | None


def _invoice(session: Session, number: str) -> Invoice:
    invoice = session.get(Invoice, number)
    if invoice is None or invoice.document_type != "invoice":
        raise CorrectionError(404, "not_found", f"no finalized invoice {number}")
    return invoice


def _in_stripe(session: Session, invoice: Invoice) -> bool:
    """The invoice reached Stripe whole: its finalize request is recorded (dry run or live)."""
    return invoice.stripe_invoice_id is not None and (
        session.get(StripeRequest, f"{invoice.number}{FINALIZE_SUFFIX}") is not None
    )


def _known(session: Session, keys: list[str]) -> dict[str, str]:
    return {
        k: o
        for k, o in session.execute(
            select(StripeRequest.idempotency_key, StripeRequest.object_id).where(
                StripeRequest.idempotency_key.in_(keys)
            )
        )
    }


def void_invoice(session: Session, gateway: StripeGateway, number: str) -> VoidResult:
    """Void a finalized (or uncollectible), unpaid invoice; the caller's transaction commits it."""
    invoice = _invoice(session, number)
    if invoice.status == "paid":
        raise CorrectionError(409, "invoice_paid", f"{number} is paid; issue a credit note instead")
    if invoice.status == "void":
        raise CorrectionError(409, "already_void", f"{number} is already void")
    if invoice.status not in VOIDABLE:
        raise CorrectionError(409, "not_voidable", f"{number} is {invoice.status}")
    if invoice.amount_paid_minor > 0:
        # Stripe refuses to void an invoice with payments on it, and a void would hide money received
        # (decision 0703): what is left unpaid is taken off with a credit note instead.
        places = invoice.minor_units
        left = invoice.total_minor - invoice.amount_paid_minor - credited_minor(session, number)
        raise CorrectionError(
            409,
            "invoice_partly_paid",
            f"{number} is partly paid ({format_minor(invoice.amount_paid_minor, places)} of "
            f"{format_minor(invoice.total_minor, places)}); an invoice with payments cannot be voided: "
            f"issue a credit note for what is still owed ({format_minor(max(left, 0), places)}) instead",
        )
    invoice.status = "void"
    invoice.status_changed_at = utcnow()
    mode = None
    if _in_stripe(session, invoice):
        send_void(session, _Ledger(session, gateway, _known(session, [void_key(number)])), invoice)
        mode = gateway.mode
    session.flush()
    return VoidResult(number, invoice.status, invoice.stripe_invoice_id, mode)


def send_void(session: Session, ledger: _Ledger, invoice: Invoice) -> None:
    assert invoice.stripe_invoice_id is not None
    ledger.request(
        "invoices.void",
        {},
        void_key(invoice.number),
        invoice_number=invoice.number,
        object_id=invoice.stripe_invoice_id,
    )
    if ledger.pending:
        session.execute(insert(StripeRequest), ledger.pending)
        ledger.pending = []


def parse_amount(text: str, minor_units: int) -> int:
    """A positive decimal string with at most the currency's places, in minor units; 422 otherwise."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise CorrectionError(422, "bad_amount", f"amount {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise CorrectionError(422, "bad_amount", f"amount {text!r} must be greater than zero")
    scaled = value.scaleb(minor_units)
    if scaled != scaled.to_integral_value():
        raise CorrectionError(
            422, "bad_amount", f"amount {text!r} has more than {minor_units} decimal places for this currency"
        )
    return int(scaled)


def credited_minor(session: Session, invoice_number_: str) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CreditNote.amount_minor), 0)).where(
                CreditNote.invoice_number == invoice_number_
            )
        )
        or 0
    )


def _next_number(session: Session, period: str) -> str:
    """The next number of ``period``'s sequence; the UPDATE takes the write lock first (as finalization)."""
    bumped = session.execute(
        update(InvoiceNumberSequence)
        .where(InvoiceNumberSequence.period == period)
        .values(last_number=InvoiceNumberSequence.last_number + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        raise CorrectionError(409, "month_not_closed", f"{period} has no number sequence: it is not closed")
    last = session.scalar(
        select(InvoiceNumberSequence.last_number).where(InvoiceNumberSequence.period == period)
    )
    return invoice_number(period, int(last or 0))


def issue_credit_note(
    session: Session,
    gateway: StripeGateway,
    number: str,
    amount: str,
    reason: str,
    *,
    actor: str,
    today: date | None = None,
) -> CreditNoteResult:
    """A credit note of ``amount`` (major units) against invoice ``number``; the caller's transaction
    commits it. 422 when it exceeds what is left to credit, 409 when the invoice is void."""
    # Lock the sequence before reading earlier credit notes, so two concurrent credits cannot both fit.
    invoice = _invoice(session, number)
    if invoice.status not in CREDITABLE:
        raise CorrectionError(409, "invoice_void", f"{number} is {invoice.status}: nothing to credit")
    reason = reason.strip()
    if not reason:
        raise CorrectionError(422, "reason_required", "say why the credit note is issued")
    places = invoice.minor_units
    minor = parse_amount(amount, places)
    cn_number = _next_number(session, invoice.period)
    already = credited_minor(session, number)
    remaining = invoice.total_minor - already
    if minor > remaining:
        raise CorrectionError(
            422,
            "exceeds_invoice",
            f"{format_minor(minor, places)} is more than what is left to credit on {number}: "
            f"total {format_minor(invoice.total_minor, places)} less earlier credit notes "
            f"{format_minor(already, places)} = {format_minor(remaining, places)}",
        )
    note = CreditNote(
        number=cn_number,
        invoice_number=number,
        tenant_id=invoice.tenant_id,
        period=invoice.period,
        currency=invoice.currency,
        minor_units=places,
        amount_minor=minor,
        reason=reason,
        issued_on=today or clock.today(),
        created_at=utcnow(),
        created_by=actor,
    )
    session.add(note)
    session.flush()
    if _in_stripe(session, invoice):
        ledger = _Ledger(session, gateway, _known(session, [credit_note_key(cn_number)]))
        send_credit_note(session, ledger, invoice, note)
    session.flush()
    return CreditNoteResult(
        number=cn_number,
        invoice_number=number,
        tenant_id=invoice.tenant_id,
        currency=invoice.currency,
        amount=format_minor(minor, places),
        reason=reason,
        issued_on=note.issued_on,
        invoice_total=format_minor(invoice.total_minor, places),
        credited_total=format_minor(already + minor, places),
        remaining=format_minor(remaining - minor, places),
        stripe_credit_note_id=note.stripe_credit_note_id,
    )


def send_credit_note(session: Session, ledger: _Ledger, invoice: Invoice, note: CreditNote) -> None:
    assert invoice.stripe_invoice_id is not None
    note.stripe_credit_note_id = ledger.request(
        "credit_notes.create",
        credit_note_params(invoice, note, credited_minor(session, invoice.number) - note.amount_minor),
        credit_note_key(note.number),
        invoice_number=invoice.number,
    )
    if ledger.pending:
        session.execute(insert(StripeRequest), ledger.pending)
        ledger.pending = []


def credit_notes_of(session: Session, number: str) -> list[CreditNote]:
    return list(
        session.scalars(
            select(CreditNote).where(CreditNote.invoice_number == number).order_by(CreditNote.number)
        )
    )
