"""The promises of billing as queries, which Dagster's asset checks run after each step of a billing run
(orchestration/defs/billing.py): invoices equal what is rated, finalized documents never change, every
document reaches Stripe exactly once, and money is conserved between partners and the platform.
"""

from __future__ import annotations

import duckdb
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from atom.opdb.billing import Invoice, InvoiceLine, PartnerPayout, StripeRequest
from billing.finalize import invoice_row_hash
from billing.money import to_minor
from billing.payouts import package_revenue
from billing.stripe_sync import document_keys


def rating_drift(engine: Engine, conn: duckdb.DuckDBPyConnection, period: str) -> dict[str, int]:
    """Tenant -> (rated now - invoiced for ``period``) in minor units, where it is not zero."""
    rated: dict[str, int] = {}
    for tenant_id, amount, minor_units in conn.execute(
        "select tenant_id, sum(line_amount), max(minor_units) from marts.fct_invoice_lines "
        "where period = ? group by tenant_id",
        [period],
    ).fetchall():
        rated[tenant_id] = to_minor(amount, int(minor_units))
    with Session(engine) as session:
        invoiced: dict[str, int] = {
            tenant_id: int(total)
            for tenant_id, total in session.execute(
                select(InvoiceLine.tenant_id, func.sum(InvoiceLine.amount_minor))
                .where(InvoiceLine.period == period)
                .group_by(InvoiceLine.tenant_id)
            )
        }
    return {
        t: rated.get(t, 0) - int(invoiced.get(t, 0))
        for t in rated.keys() | invoiced.keys()
        if rated.get(t, 0) != int(invoiced.get(t, 0))
    }


def changed_documents(engine: Engine) -> list[str]:
    """Numbers of finalized documents, of any month, whose content no longer hashes to the stored hash."""
    with Session(engine) as session:
        invoices = session.scalars(select(Invoice).options(selectinload(Invoice.lines))).all()
        return [inv.number for inv in invoices if invoice_row_hash(inv, inv.lines) != inv.content_hash]


def documents_not_in_stripe_once(engine: Engine, period: str) -> list[str]:
    """Numbers of the month's documents lacking a Stripe id or any request of their sync."""
    with Session(engine) as session:
        invoices = session.scalars(
            select(Invoice).where(Invoice.period == period).options(selectinload(Invoice.lines))
        ).all()
        keys = set(
            session.scalars(
                select(StripeRequest.idempotency_key).where(
                    StripeRequest.invoice_number.in_([i.number for i in invoices])
                )
            )
        )
    missing = []
    for inv in invoices:
        wanted = document_keys(inv.number, [line.line_number for line in inv.lines])
        if inv.stripe_invoice_id is None or not wanted <= keys:
            missing.append(inv.number)
    return missing


def payout_conservation(engine: Engine, period: str) -> tuple[int, int, int]:
    """``(package revenue billed, payouts, platform fees)`` of the month in minor units: the first is the sum
    of the other two when money is conserved."""
    with Session(engine) as session:
        billed = sum(gross for _, _, gross, _, _ in package_revenue(session, period))
        paid, fees = session.execute(
            select(
                func.coalesce(func.sum(PartnerPayout.payout_minor), 0),
                func.coalesce(func.sum(PartnerPayout.platform_fee_minor), 0),
            ).where(PartnerPayout.period == period)
        ).one()
    return int(billed), int(paid), int(fees)
