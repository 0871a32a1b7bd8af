"""The finalized documents of a month as DESIGN 3.7's ``atom billing invoices`` document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from atom.opdb.billing import Invoice
from billing.money import format_minor
from billing.periods import parse_period


def invoices_document(engine: Engine, period: str) -> dict[str, Any]:
    """``{"invoices": [...]}`` in number order; credit notes are listed too (negative totals)."""
    parse_period(period)
    with Session(engine) as session:
        invoices = session.scalars(
            select(Invoice)
            .where(Invoice.period == period)
            .order_by(Invoice.number)
            .options(selectinload(Invoice.lines))
        ).all()
        return {"invoices": [_invoice(invoice) for invoice in invoices]}


def _invoice(invoice: Invoice) -> dict[str, Any]:
    places = invoice.minor_units
    return {
        "number": invoice.number,
        "tenant_id": invoice.tenant_id,
        "period": invoice.period,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": format_minor(invoice.total_minor, places),
        "stripe_invoice_id": invoice.stripe_invoice_id,
        "lines": [
            {
                "kind": line.kind,
                # A plan fee is priced by its plan: the plan id stands in the price_id slot.
                "price_id": line.price_id or line.plan_id,
                "metric": line.metric_id,
                "package_id": line.package_id,
                "period": line.period,
                "quantity": line.quantity,
                "amount": format_minor(line.amount_minor, places),
            }
            for line in invoice.lines
        ],
    }
