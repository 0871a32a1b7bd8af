"""Sending finalized documents to Stripe exactly once: customer, invoice, one item per line, finalize.

Idempotency keys derive from the invoice number and line number (``ATOM-202610-00001/line/3``), customers
from the tenant id, so a retried or crashed run repeats requests Stripe recognises. Amounts are integer
minor units, as Stripe wants them. A credit note goes to Stripe as an invoice of negative items, which
Stripe turns into customer credit balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, exists, insert, select
from sqlalchemy.orm import Session, selectinload

from atom.opdb.billing import BillingAccount, Invoice, StripeRequest
from atom.opdb.marketplace_ops import CreditNote
from atom.opdb.models import Tenant
from billing.periods import next_month_start, parse_period
from billing.stripe_gateway import ENDPOINTS, StripeGateway


@dataclass(frozen=True)
class SyncResult:
    mode: str
    documents: int
    already_synced: int  # documents whose every request Stripe (or the outbox) has already seen
    requests_sent: int
    requests_skipped: int  # requests of the other documents found in the ledger (a resumed sync)


class _Ledger:
    """Recorded requests by idempotency key; sends only what is not recorded yet."""

    def __init__(self, session: Session, gateway: StripeGateway, known: dict[str, str]) -> None:
        self.session, self.gateway, self.known = session, gateway, known
        self.sent = self.skipped = 0
        self.pending: list[dict[str, Any]] = []

    def commit(self) -> None:
        """Write the recorded requests (one multi-row insert: 110,000 ORM objects take seconds) and commit."""
        if self.pending:
            self.session.execute(insert(StripeRequest), self.pending)
            self.pending = []
        self.session.commit()

    def request(
        self,
        endpoint: str,
        params: Mapping[str, Any],
        key: str,
        *,
        invoice_number: str | None = None,
        object_id: str | None = None,
    ) -> str:
        if key in self.known:
            self.skipped += 1
            return self.known[key]
        result = self.gateway.send(endpoint, params, key, object_id)
        method, path, _ = ENDPOINTS[endpoint]
        self.pending.append(
            {
                "idempotency_key": key,
                "mode": self.gateway.mode,
                "method": method,
                "path": path.format(id=object_id or ""),
                "params": orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS).decode(),
                "object_id": result,
                "invoice_number": invoice_number,
                "created_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
        self.known[key] = result
        self.sent += 1
        return result


def _unix(day: Any) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def customer_key(tenant_id: str) -> str:
    return f"atom/customer/{tenant_id}"


# Idempotency keys of a document's requests: Stripe sees each at most once (DESIGN 3.3), and the invariant
# checks (billing/invariants.py) look for exactly these.
FINALIZE_SUFFIX = "/finalize"


def invoice_key(number: str) -> str:
    return f"{number}/invoice"


def line_key(number: str, line_number: int) -> str:
    return f"{number}/line/{line_number}"


def finalize_key(number: str) -> str:
    return f"{number}{FINALIZE_SUFFIX}"


def document_keys(number: str, line_numbers: list[int]) -> set[str]:
    """Every idempotency key a document's sync sends: create, one item per line, finalize."""
    return {invoice_key(number), finalize_key(number)} | {line_key(number, n) for n in line_numbers}


def sync_period(engine: Engine, gateway: StripeGateway, period: str, *, batch: int = 200) -> SyncResult:
    """Send every document of ``period`` that has not fully reached Stripe. Live requests are committed one
    document at a time (each is an outside side effect); dry runs in batches of ``batch`` documents."""
    parse_period(period)
    commit_every = 1 if gateway.mode == "live" else batch
    with Session(engine, expire_on_commit=False) as session:
        numbers = list(
            session.scalars(select(Invoice.number).where(Invoice.period == period).order_by(Invoice.number))
        )
        of_period = select(Invoice.number).where(Invoice.period == period)
        known: dict[str, str] = {
            key: object_id
            for key, object_id in session.execute(
                select(StripeRequest.idempotency_key, StripeRequest.object_id).where(
                    StripeRequest.invoice_number.in_(of_period) | StripeRequest.invoice_number.is_(None)
                )
            )
        }
        ledger = _Ledger(session, gateway, known)
        accounts = {a.tenant_id: a for a in session.scalars(select(BillingAccount))}
        names: dict[str, str] = {t: n for t, n in session.execute(select(Tenant.id, Tenant.name))}
        # A document whose finalize request is recorded reached Stripe whole: nothing to load or resend.
        finalized_in_stripe = exists().where(
            StripeRequest.idempotency_key == Invoice.number.concat(FINALIZE_SUFFIX)
        )
        invoices = session.scalars(
            select(Invoice)
            .where(Invoice.period == period, ~finalized_in_stripe)
            .order_by(Invoice.number)
            .options(selectinload(Invoice.lines))
        ).all()
        for index, invoice in enumerate(invoices, start=1):
            _sync_document(session, ledger, invoice, accounts, names)
            if index % commit_every == 0:
                ledger.commit()
        ledger.commit()
        return SyncResult(
            gateway.mode, len(numbers), len(numbers) - len(invoices), ledger.sent, ledger.skipped
        )


def _sync_document(
    session: Session,
    ledger: _Ledger,
    invoice: Invoice,
    accounts: dict[str, BillingAccount],
    names: dict[str, str],
) -> None:
    number = invoice.number
    account = accounts.get(invoice.tenant_id)
    if account is None:
        account = BillingAccount(tenant_id=invoice.tenant_id)
        session.add(account)
        accounts[invoice.tenant_id] = account
    customer = ledger.request(
        "customers.create",
        {
            "name": names.get(invoice.tenant_id, invoice.tenant_id),
            "metadata": {"atom_tenant_id": invoice.tenant_id},
        },
        customer_key(invoice.tenant_id),
    )
    account.stripe_customer_id = customer
    days_until_due = max((invoice.due_on - invoice.issued_on).days, 0)
    stripe_invoice = ledger.request(
        "invoices.create",
        {
            "customer": customer,
            "currency": invoice.currency,
            "collection_method": "send_invoice",
            "days_until_due": days_until_due,
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "metadata": {"atom_invoice_number": number, "atom_document_type": invoice.document_type},
        },
        invoice_key(number),
        invoice_number=number,
    )
    invoice.stripe_invoice_id = stripe_invoice
    for line in invoice.lines:
        start = parse_period(line.period)
        ledger.request(
            "invoice_items.create",
            {
                "customer": customer,
                "invoice": stripe_invoice,
                "currency": invoice.currency,
                "amount": line.amount_minor,
                "description": _describe(
                    line.kind, line.price_id or line.plan_id, line.period, line.quantity
                ),
                "period": {"start": _unix(start), "end": _unix(next_month_start(line.period)) - 1},
                "metadata": {"atom_invoice_number": number, "atom_line_number": str(line.line_number)},
            },
            line_key(number, line.line_number),
            invoice_number=number,
        )
    ledger.request(
        "invoices.finalize",
        {"auto_advance": False},
        finalize_key(number),
        invoice_number=number,
        object_id=stripe_invoice,
    )
    # Corrections made before the invoice reached Stripe follow it at once (billing/corrections.py).
    if invoice.status == "void":
        ledger.request("invoices.void", {}, void_key(number), invoice_number=number, object_id=stripe_invoice)
    if invoice.document_type == "invoice":
        _sync_credit_notes(session, ledger, invoice)


def void_key(number: str) -> str:
    return f"{number}/void"


def credit_note_key(credit_note_number: str) -> str:
    return f"{credit_note_number}/credit_note"


def credit_note_params(invoice: Invoice, note: CreditNote, credited_before_minor: int = 0) -> dict[str, Any]:
    """Stripe's credit note against the Stripe invoice: off the amount due while it is open, to the
    customer's credit balance once it is paid (Stripe wants a paid invoice's credit allocated).

    On a partly paid invoice (decision 0703) only what is still unpaid (total less earlier credit notes
    ``credited_before_minor`` less the amount paid) can come off the amount due; Stripe wants the rest, money
    already paid, allocated too: it goes to the customer's credit balance."""
    params: dict[str, Any] = {
        "invoice": invoice.stripe_invoice_id,
        "amount": note.amount_minor,
        "memo": note.reason[:500],
        "metadata": {"atom_credit_note_number": note.number, "atom_invoice_number": invoice.number},
    }
    if invoice.status == "paid":
        params["credit_amount"] = note.amount_minor
    else:
        unpaid = max(invoice.total_minor - credited_before_minor - invoice.amount_paid_minor, 0)
        if note.amount_minor > unpaid:
            params["credit_amount"] = note.amount_minor - unpaid
    return params


def _sync_credit_notes(session: Session, ledger: _Ledger, invoice: Invoice) -> None:
    notes = session.scalars(
        select(CreditNote).where(CreditNote.invoice_number == invoice.number).order_by(CreditNote.number)
    ).all()
    credited_before = 0
    for note in notes:
        params = credit_note_params(invoice, note, credited_before)
        credited_before += note.amount_minor
        note.stripe_credit_note_id = ledger.request(
            "credit_notes.create",
            params,
            credit_note_key(note.number),
            invoice_number=invoice.number,
        )


def _describe(kind: str, ref: str | None, period: str, quantity: str) -> str:
    label = {"usage": "Usage", "recurring": "Plan", "adjustment": "Adjustment"}[kind]
    return f"{label} {ref or ''} {period} (quantity {quantity})".replace("  ", " ")
