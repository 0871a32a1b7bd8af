"""Partner payouts: each publisher's share of a month's finalized package lines, sent as Stripe Connect
transfers when the publisher has a connected account (dry run otherwise).

A month's payout is computed once from its documents (adjustment lines included, so late usage reaches
partners in the month it is billed) and stored; money is conserved by construction and checked:
payout + platform fee = gross package revenue billed, to the minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from atom.opdb.billing import BillingRun, Invoice, InvoiceLine, PartnerAccount, PartnerPayout, StripeRequest
from billing.periods import parse_period
from billing.stripe_gateway import DryRunGateway, StripeGateway
from billing.stripe_sync import _Ledger


@dataclass(frozen=True)
class PayoutResult:
    period: str
    publishers: int
    gross_minor: int
    payout_minor: int
    platform_fee_minor: int
    transfers_live: int
    transfers_dry_run: int


def package_revenue(session: Session, period: str) -> list[tuple[str, str, int, int, int]]:
    """(publisher, currency, gross, payout, fee) over the package lines of ``period``'s documents."""
    rows = session.execute(
        select(
            InvoiceLine.publisher_id,
            Invoice.currency,
            func.sum(InvoiceLine.amount_minor),
            func.sum(InvoiceLine.partner_payout_minor),
            func.sum(InvoiceLine.platform_fee_minor),
        )
        .join(Invoice, Invoice.number == InvoiceLine.invoice_number)
        .where(Invoice.period == period, InvoiceLine.publisher_id.is_not(None))
        .group_by(InvoiceLine.publisher_id, Invoice.currency)
        .order_by(InvoiceLine.publisher_id)
    ).all()
    return [(p, c, int(g), int(po), int(f)) for p, c, g, po, f in rows]


def pay_partners(engine: Engine, period: str, live: StripeGateway | None = None) -> PayoutResult:
    """Store ``period``'s payouts (once) and transfer each positive one. ``live`` is used for publishers
    with a connected account; the rest, and everything without a live gateway, is recorded as a dry run."""
    parse_period(period)
    dry = DryRunGateway()
    with Session(engine, expire_on_commit=False) as session:
        existing = {
            p.publisher_id: p
            for p in session.scalars(select(PartnerPayout).where(PartnerPayout.period == period))
        }
        now = datetime.now(UTC).replace(tzinfo=None)
        if not existing:
            for publisher_id, currency, gross, payout_minor, fee in package_revenue(session, period):
                existing[publisher_id] = PartnerPayout(
                    publisher_id=publisher_id,
                    period=period,
                    currency=currency,
                    gross_minor=gross,
                    platform_fee_minor=fee,
                    payout_minor=payout_minor,
                    created_at=now,
                )
                session.add(existing[publisher_id])
            session.commit()
        accounts: dict[str, str | None] = {
            p: a
            for p, a in session.execute(select(PartnerAccount.publisher_id, PartnerAccount.stripe_account_id))
        }
        keys = [transfer_key(period, p) for p in existing]
        known: dict[str, str] = {
            k: o
            for k, o in session.execute(
                select(StripeRequest.idempotency_key, StripeRequest.object_id).where(
                    StripeRequest.idempotency_key.in_(keys)
                )
            )
        }
        live_count = dry_count = 0
        for publisher_id in sorted(existing):
            payout = existing[publisher_id]
            if payout.payout_minor <= 0:
                continue
            account = accounts.get(publisher_id)
            gateway = live if (live is not None and account) else dry
            ledger = _Ledger(session, gateway, known)
            payout.stripe_transfer_id = ledger.request(
                "transfers.create",
                {
                    "amount": payout.payout_minor,
                    "currency": payout.currency,
                    "destination": account or f"acct_unconnected_{publisher_id}",
                    "transfer_group": f"atom-{period}",
                    "metadata": {"atom_publisher_id": publisher_id, "atom_period": period},
                },
                transfer_key(period, publisher_id),
            )
            # One commit per transfer: each live one is an outside side effect to record at once.
            ledger.commit()
            if gateway.mode == "live":
                live_count += 1
            else:
                dry_count += 1
        return PayoutResult(
            period,
            len(existing),
            sum(p.gross_minor for p in existing.values()),
            sum(p.payout_minor for p in existing.values()),
            sum(p.platform_fee_minor for p in existing.values()),
            live_count,
            dry_count,
        )


def transfer_key(period: str, publisher_id: str) -> str:
    return f"atom/payout/{period}/{publisher_id}"


@dataclass(frozen=True)
class StatementLine:
    package_id: str
    gross_minor: int
    payout_minor: int
    platform_fee_minor: int


@dataclass(frozen=True)
class Statement:
    publisher_id: str
    period: str
    currency: str
    minor_units: int
    lines: list[StatementLine]
    payout_minor: int
    transfer_id: str | None
    closed: bool


def statement(session: Session, publisher_id: str, period: str) -> Statement:
    """What ``publisher_id`` earned from ``period``'s finalized documents, by package: the same package
    lines :func:`package_revenue` pays out (adjustments of earlier months included). The payout and its
    transfer are the stored ones once the month's payouts ran; before that the payout is the lines' sum."""
    parse_period(period)
    rows = session.execute(
        select(
            InvoiceLine.package_id,
            Invoice.currency,
            func.max(Invoice.minor_units),
            func.sum(InvoiceLine.amount_minor),
            func.sum(InvoiceLine.partner_payout_minor),
            func.sum(InvoiceLine.platform_fee_minor),
        )
        .join(Invoice, Invoice.number == InvoiceLine.invoice_number)
        .where(Invoice.period == period, InvoiceLine.publisher_id == publisher_id)
        .group_by(InvoiceLine.package_id, Invoice.currency)
        .order_by(InvoiceLine.package_id)
    ).all()
    payout = session.get(PartnerPayout, (publisher_id, period))
    any_doc = session.execute(
        select(Invoice.currency, Invoice.minor_units).where(Invoice.period == period).limit(1)
    ).first()
    currency, places = (rows[0][1], int(rows[0][2])) if rows else (any_doc or ("usd", 2))
    lines = [
        StatementLine(str(package or ""), int(gross), int(paid), int(fee))
        for package, _cur, _mu, gross, paid, fee in rows
    ]
    payout_minor = payout.payout_minor if payout else sum(line.payout_minor for line in lines)
    return Statement(
        publisher_id,
        period,
        currency,
        int(places),
        lines,
        payout_minor,
        payout.stripe_transfer_id if payout else None,
        session.get(BillingRun, period) is not None,
    )
