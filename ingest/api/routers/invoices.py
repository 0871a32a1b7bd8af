"""Operator corrections of finalized invoices (DESIGN 3.8, decision 0710): void and credit notes (admin).

The rules live in :mod:`billing.corrections`; this router maps them to HTTP, audits each change in the
same transaction, and sends the Stripe request through the gateway the settings choose (the dry-run outbox
without ``STRIPE_API_KEY``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from atom import clock
from atom.opdb import Invoice
from billing import corrections
from billing.corrections import CorrectionError, credit_notes_of, issue_credit_note
from billing.money import format_minor
from billing.stripe_gateway import StripeGateway, make_gateway
from ingest.api.audit import record_audit
from ingest.api.context import ApiContext
from ingest.api.deps import AdminKey, Context, DbSession, request_id
from ingest.api.errors import ApiError, error_responses, not_found

router = APIRouter(tags=["invoices"])

InvoiceNumber = Annotated[str, Path(pattern=r"^ATOM-\d{6}-\d{5}$", description="ATOM-YYYYMM-NNNNN")]


def gateway_for(ctx: ApiContext) -> StripeGateway:
    key = ctx.settings.stripe_api_key
    return make_gateway(key.get_secret_value() if key else None, ctx.settings.stripe_api_base)


class CreditNoteIn(BaseModel):
    amount: str = Field(
        max_length=40,
        examples=["25.00"],
        description="decimal string in major units, > 0, the currency's places",
    )
    reason: str = Field(min_length=1, max_length=2000, description="why; shown on the document and in Stripe")


class CreditNoteOut(BaseModel):
    number: str
    invoice_number: str
    tenant_id: str
    currency: str
    amount: str
    reason: str
    issued_on: date
    stripe_credit_note_id: str | None


class CreditNoteIssued(CreditNoteOut):
    invoice_total: str
    credited_total: str
    remaining: str


class VoidOut(BaseModel):
    number: str
    status: str
    stripe_invoice_id: str | None
    stripe_synced: bool = Field(description="false while the invoice itself has not reached Stripe yet")


class InvoiceOut(BaseModel):
    number: str
    tenant_id: str
    period: str
    status: str
    currency: str
    total: str
    credited: str
    amount_paid: str = Field(description="payments received so far, partial ones included (decision 0703)")
    open_amount: str = Field(description="total less credit notes less amount_paid, never below 0")
    issued_on: date
    due_on: date
    status_changed_at: datetime | None
    stripe_invoice_id: str | None
    credit_notes: list[CreditNoteOut]


def _refused(exc: CorrectionError) -> ApiError:
    return ApiError(exc.status, exc.reason, exc.message)


@router.get(
    "/v1/invoices/{number}",
    response_model=InvoiceOut,
    summary="A finalized invoice with its credit notes and what is left open (admin)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_invoice(number: InvoiceNumber, _principal: AdminKey, session: DbSession) -> InvoiceOut:
    invoice = session.get(Invoice, number)
    if invoice is None or invoice.document_type != "invoice":
        raise not_found(f"no finalized invoice {number}")
    notes = credit_notes_of(session, number)
    places = invoice.minor_units
    credited = sum(n.amount_minor for n in notes)
    paid = invoice.amount_paid_minor
    open_minor = 0 if invoice.status in ("paid", "void") else invoice.total_minor - credited - paid
    return InvoiceOut(
        number=invoice.number,
        tenant_id=invoice.tenant_id,
        period=invoice.period,
        status=invoice.status,
        currency=invoice.currency,
        total=format_minor(invoice.total_minor, places),
        credited=format_minor(credited, places),
        amount_paid=format_minor(paid, places),
        open_amount=format_minor(max(open_minor, 0), places),
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        status_changed_at=invoice.status_changed_at,
        stripe_invoice_id=invoice.stripe_invoice_id,
        credit_notes=[
            CreditNoteOut(
                number=n.number,
                invoice_number=n.invoice_number,
                tenant_id=n.tenant_id,
                currency=n.currency,
                amount=format_minor(n.amount_minor, n.minor_units),
                reason=n.reason,
                issued_on=n.issued_on,
                stripe_credit_note_id=n.stripe_credit_note_id,
            )
            for n in notes
        ],
    )


@router.post(
    "/v1/invoices/{number}/void",
    response_model=VoidOut,
    summary="Void a finalized, unpaid invoice (admin); synced to Stripe",
    description="409 `invoice_paid` once paid (issue a credit note instead), `already_void` when void.",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def void_invoice(
    number: InvoiceNumber, principal: AdminKey, session: DbSession, ctx: Context, request: Request
) -> VoidOut:
    try:
        result = corrections.void_invoice(session, gateway_for(ctx), number)
    except CorrectionError as exc:
        raise _refused(exc) from None
    record_audit(
        session,
        principal,
        action="invoice.void",
        target_type="invoice",
        target_id=number,
        details={"stripe_mode": result.stripe_mode},
        request_id=request_id(request),
    )
    return VoidOut(
        number=result.number,
        status=result.status,
        stripe_invoice_id=result.stripe_invoice_id,
        stripe_synced=result.stripe_mode is not None,
    )


@router.post(
    "/v1/invoices/{number}/credit-notes",
    status_code=201,
    response_model=CreditNoteIssued,
    summary="Issue a credit note against a finalized invoice (admin); synced to Stripe",
    description=(
        "At most the invoice total less earlier credit notes (422 `exceeds_invoice`); `amount` with at most "
        "the currency's decimal places (422 `bad_amount`); 409 `invoice_void` for a void invoice. The credit "
        "note is numbered from the invoice month's sequence."
    ),
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def create_credit_note(
    number: InvoiceNumber,
    body: CreditNoteIn,
    principal: AdminKey,
    session: DbSession,
    ctx: Context,
    request: Request,
) -> CreditNoteIssued:
    try:
        result = issue_credit_note(
            session,
            gateway_for(ctx),
            number,
            body.amount,
            body.reason,
            actor=f"{principal.role}:{principal.subject}",
            today=clock.today(ctx.settings),
        )
    except CorrectionError as exc:
        raise _refused(exc) from None
    record_audit(
        session,
        principal,
        action="invoice.credit_note",
        target_type="invoice",
        target_id=number,
        details={"credit_note": result.number, "amount": result.amount, "reason": result.reason},
        request_id=request_id(request),
    )
    return CreditNoteIssued(
        number=result.number,
        invoice_number=result.invoice_number,
        tenant_id=result.tenant_id,
        currency=result.currency,
        amount=result.amount,
        reason=result.reason,
        issued_on=result.issued_on,
        stripe_credit_note_id=result.stripe_credit_note_id,
        invoice_total=result.invoice_total,
        credited_total=result.credited_total,
        remaining=result.remaining,
    )
