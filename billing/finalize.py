"""Finalizing a month: the draft lines of dbt become immutable, gaplessly numbered invoices (DESIGN 3.3).

Crash safety comes from one transaction: the documents of a month, their lines, the number sequence and
the ``billing_runs`` row that closes the month are committed together or not at all. A rerun after a crash
(or a second run) finds the month either open (and computes it again from the same drafts) or closed (and
returns what was committed). Numbers are handed out inside that transaction in a fixed order (invoices by
tenant id, then credit notes by tenant id), so a number is never used by a document that does not exist.

Late usage: a month already closed is never edited. For every closed month before the one being finalized,
what the month rates to now is compared with what its documents (and earlier adjustments) carried; the
difference becomes ``adjustment`` lines whose ``period`` is the month they rate, on the tenant's invoice when
positive and on a credit note when negative (docs/decisions/0300-billing-finalization.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import orjson
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from atom import clock
from atom.opdb.billing import (
    BillingAccount,
    BillingRun,
    Invoice,
    InvoiceLine,
    InvoiceNumberSequence,
)
from billing.drafts import DraftLine, read_draft_lines
from billing.money import format_quantity
from billing.periods import month_has_ended, next_month_start, not_ended_message, parse_period

DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_NUMBER = 99_999  # ATOM-YYYYMM-NNNNN has five digits


class FinalizeError(RuntimeError):
    pass


@dataclass(frozen=True)
class PlannedLine:
    kind: str
    line_key: str
    period: str
    price_id: str | None
    plan_id: str | None
    metric_id: str | None
    package_id: str | None
    publisher_id: str | None
    quantity: Decimal
    amount_minor: int
    partner_payout_minor: int
    platform_fee_minor: int


@dataclass
class PlannedDocument:
    document_type: str  # invoice | credit_note
    tenant_id: str
    currency: str
    minor_units: int
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


@dataclass(frozen=True)
class InvoicedLine:
    """What a closed month's documents already carried for one (tenant, month, line key)."""

    tenant_id: str
    period: str
    line_key: str
    quantity: Decimal
    amount_minor: int
    partner_payout_minor: int
    platform_fee_minor: int


@dataclass(frozen=True)
class FinalizeResult:
    period: str
    created: bool  # False when the month was already closed and nothing was written
    invoices: int
    credit_notes: int
    total_minor: int
    content_hash: str


def _planned_from_draft(line: DraftLine) -> PlannedLine:
    return PlannedLine(
        kind=line.kind,
        line_key=line.line_key,
        period=line.period,
        price_id=line.price_id,
        plan_id=line.plan_id,
        metric_id=line.metric_id,
        package_id=line.package_id,
        publisher_id=line.publisher_id,
        quantity=line.quantity,
        amount_minor=line.amount_minor,
        partner_payout_minor=line.partner_payout_minor,
        platform_fee_minor=line.platform_fee_minor,
    )


_KIND_ORDER = {"recurring": 0, "usage": 1, "adjustment": 2}


def adjustment_lines(
    rated_now: Sequence[DraftLine], invoiced: Sequence[InvoicedLine]
) -> dict[str, list[PlannedLine]]:
    """Per tenant, the differences between closed months' current rating and what was invoiced for them.

    A line whose money did not move (same amount, payout and fee) gives no adjustment, even if its
    quantity did (free units absorb it).
    """
    now: dict[tuple[str, str, str], DraftLine] = {(d.tenant_id, d.period, d.line_key): d for d in rated_now}
    billed: dict[tuple[str, str, str], InvoicedLine] = {
        (i.tenant_id, i.period, i.line_key): i for i in invoiced
    }
    out: dict[str, list[PlannedLine]] = defaultdict(list)
    for key in sorted(now.keys() | billed.keys()):
        tenant_id, period, line_key = key
        current, before = now.get(key), billed.get(key)
        amount = (current.amount_minor if current else 0) - (before.amount_minor if before else 0)
        payout = (current.partner_payout_minor if current else 0) - (
            before.partner_payout_minor if before else 0
        )
        fee = (current.platform_fee_minor if current else 0) - (before.platform_fee_minor if before else 0)
        if amount == 0 and payout == 0 and fee == 0:
            continue
        quantity = (current.quantity if current else Decimal(0)) - (before.quantity if before else Decimal(0))
        kind, _, ref = line_key.partition("/")
        out[tenant_id].append(
            PlannedLine(
                kind="adjustment",
                line_key=line_key,
                period=period,
                price_id=current.price_id if current else (ref if kind == "usage" else None),
                plan_id=current.plan_id if current else (ref if kind == "recurring" else None),
                metric_id=current.metric_id if current else None,
                package_id=current.package_id if current else None,
                publisher_id=current.publisher_id if current else None,
                quantity=quantity,
                amount_minor=amount,
                partner_payout_minor=payout,
                platform_fee_minor=fee,
            )
        )
    return out


def plan_documents(
    period_lines: Sequence[DraftLine],
    adjustments: dict[str, list[PlannedLine]],
    currencies: dict[str, tuple[str, int]],
) -> list[PlannedDocument]:
    """The month's documents in numbering order: invoices by tenant id, then credit notes by tenant id.

    ``currencies`` maps a tenant to (currency, minor units) for tenants that only have adjustments.
    """
    invoices: dict[str, PlannedDocument] = {}
    credit_notes: dict[str, PlannedDocument] = {}
    for draft in period_lines:
        doc = invoices.setdefault(
            draft.tenant_id, PlannedDocument("invoice", draft.tenant_id, draft.currency, draft.minor_units)
        )
        doc.lines.append(_planned_from_draft(draft))
    for tenant_id, lines in adjustments.items():
        currency, minor_units = currencies[tenant_id]
        for line in lines:
            target = invoices if line.amount_minor >= 0 else credit_notes
            document_type = "invoice" if line.amount_minor >= 0 else "credit_note"
            target.setdefault(
                tenant_id, PlannedDocument(document_type, tenant_id, currency, minor_units)
            ).lines.append(line)
    documents = [invoices[t] for t in sorted(invoices)] + [credit_notes[t] for t in sorted(credit_notes)]
    for doc in documents:
        doc.lines.sort(key=lambda ln: (_KIND_ORDER[ln.kind], ln.period, ln.line_key))
    return documents


def invoice_number(period: str, sequence: int) -> str:
    if sequence > MAX_NUMBER:
        raise FinalizeError(f"more than {MAX_NUMBER} documents in {period}: widen the invoice number")
    return f"ATOM-{period.replace('-', '')}-{sequence:05d}"


def content_hash(invoice: dict, lines: list[dict]) -> str:
    """SHA-256 over the document's canonical JSON: everything a customer sees, nothing run-dependent."""
    payload = {
        key: invoice[key]
        for key in (
            "number",
            "document_type",
            "tenant_id",
            "period",
            "currency",
            "minor_units",
            "total_minor",
            "issued_on",
            "due_on",
        )
    }
    payload["lines"] = [
        {k: v for k, v in line.items() if k not in ("invoice_number", "tenant_id")} for line in lines
    ]
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def invoice_row_hash(invoice: Invoice, lines: Sequence[InvoiceLine]) -> str:
    """The content hash recomputed from stored rows (the reconciliation check compares it)."""
    inv = {
        "number": invoice.number,
        "document_type": invoice.document_type,
        "tenant_id": invoice.tenant_id,
        "period": invoice.period,
        "currency": invoice.currency,
        "minor_units": invoice.minor_units,
        "total_minor": invoice.total_minor,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
    }
    rows = [{c: getattr(line, c) for c in _LINE_COLUMNS} for line in lines]
    return content_hash(inv, rows)


_LINE_COLUMNS = (
    "invoice_number",
    "line_number",
    "tenant_id",
    "kind",
    "line_key",
    "period",
    "price_id",
    "plan_id",
    "metric_id",
    "package_id",
    "publisher_id",
    "quantity",
    "amount_minor",
    "partner_payout_minor",
    "platform_fee_minor",
)


def closed_periods(session: Session) -> list[str]:
    return list(session.scalars(select(BillingRun.period).order_by(BillingRun.period)))


def _invoiced_lines(session: Session, periods: Sequence[str]) -> list[InvoicedLine]:
    if not periods:
        return []
    sums: dict[tuple[str, str, str], list] = {}
    rows = session.execute(
        select(
            InvoiceLine.tenant_id,
            InvoiceLine.period,
            InvoiceLine.line_key,
            InvoiceLine.quantity,
            InvoiceLine.amount_minor,
            InvoiceLine.partner_payout_minor,
            InvoiceLine.platform_fee_minor,
        ).where(InvoiceLine.period.in_(list(periods)))
    )
    for tenant_id, period, line_key, quantity, amount, payout, fee in rows:
        acc = sums.setdefault((tenant_id, period, line_key), [Decimal(0), 0, 0, 0])
        acc[0] += Decimal(quantity)
        acc[1] += amount
        acc[2] += payout
        acc[3] += fee
    return [InvoicedLine(t, p, k, q, a, po, f) for (t, p, k), (q, a, po, f) in sums.items()]


def _lock_sequence(session: Session, period: str) -> int:
    """Take the write lock first (SQLite: the whole file, PostgreSQL: the month's row), so two finalizers
    of one month queue up instead of both computing and one failing late."""
    bumped = session.execute(
        update(InvoiceNumberSequence)
        .where(InvoiceNumberSequence.period == period)
        .values(last_number=InvoiceNumberSequence.last_number)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(InvoiceNumberSequence).values(period=period, last_number=0))
        return 0
    return int(
        session.scalar(
            select(InvoiceNumberSequence.last_number).where(InvoiceNumberSequence.period == period)
        )
        or 0
    )


def _existing_result(session: Session, run: BillingRun) -> FinalizeResult:
    counts: dict[str, int] = {
        document_type: count
        for document_type, count in session.execute(
            select(Invoice.document_type, func.count())
            .where(Invoice.period == run.period)
            .group_by(Invoice.document_type)
        )
    }
    total = session.scalar(select(func.sum(Invoice.total_minor)).where(Invoice.period == run.period)) or 0
    return FinalizeResult(
        run.period,
        False,
        counts.get("invoice", 0),
        counts.get("credit_note", 0),
        int(total),
        run.content_hash,
    )


def finalize_period(
    engine: Engine,
    warehouse: duckdb.DuckDBPyConnection,
    period: str,
    *,
    today: date | None = None,
    on_document: Callable[[int, str], None] | None = None,
    chunk_size: int = 1000,
) -> FinalizeResult:
    """Close ``period``: freeze its draft lines (plus late-usage adjustments of closed months) into numbered
    documents. Idempotent: a closed month is returned as it is. ``on_document(index, number)`` is called
    after each document is written, before the commit (progress; the crash test kills the process there)."""
    parse_period(period)
    today = today or clock.today()
    if not month_has_ended(period, today):
        raise FinalizeError(not_ended_message(period, today))

    with Session(engine) as session:
        known_closed = closed_periods(session)
        if period in known_closed:
            run = session.get(BillingRun, period)
            assert run is not None
            return _existing_result(session, run)
    later = [p for p in known_closed if p > period]
    if later:
        raise FinalizeError(
            f"cannot finalize {period}: the later month {later[-1]} is already closed; months close in order"
        )
    earlier = [p for p in known_closed if p < period]
    drafts = read_draft_lines(warehouse, [period, *earlier])

    with Session(engine) as session, session.begin():
        last_number = _lock_sequence(session, period)
        run = session.get(BillingRun, period)
        if run is not None:  # closed by a concurrent finalizer while we read the warehouse
            return _existing_result(session, run)
        if closed_periods(session) != known_closed:
            raise FinalizeError(f"another month was closed while {period} was being finalized: run it again")
        if last_number != 0:
            raise FinalizeError(
                f"{period} has numbers handed out but no billing run: the operational DB was edited by hand"
            )

        period_lines = [d for d in drafts if d.period == period]
        rated_now = [d for d in drafts if d.period != period]
        adjustments = adjustment_lines(rated_now, _invoiced_lines(session, earlier))
        currencies = {d.tenant_id: (d.currency, d.minor_units) for d in drafts}
        documents = plan_documents(period_lines, adjustments, currencies)

        terms: dict[str, int] = {
            tenant_id: days
            for tenant_id, days in session.execute(
                select(BillingAccount.tenant_id, BillingAccount.payment_terms_days).where(
                    BillingAccount.payment_terms_days.is_not(None)
                )
            )
            if days is not None
        }
        issued_on = next_month_start(period)
        finalized_at = datetime.now(UTC).replace(tzinfo=None)
        invoice_rows: list[dict] = []
        line_rows: list[list[dict]] = []
        hashes: list[str] = []
        for index, doc in enumerate(documents, start=1):
            number = invoice_number(period, index)
            lines = [
                {
                    "invoice_number": number,
                    "line_number": n,
                    "tenant_id": doc.tenant_id,
                    "kind": line.kind,
                    "line_key": line.line_key,
                    "period": line.period,
                    "price_id": line.price_id,
                    "plan_id": line.plan_id,
                    "metric_id": line.metric_id,
                    "package_id": line.package_id,
                    "publisher_id": line.publisher_id,
                    "quantity": format_quantity(line.quantity),
                    "amount_minor": line.amount_minor,
                    "partner_payout_minor": line.partner_payout_minor,
                    "platform_fee_minor": line.platform_fee_minor,
                }
                for n, line in enumerate(doc.lines, start=1)
            ]
            invoice: dict[str, Any] = {
                "number": number,
                "document_type": doc.document_type,
                "tenant_id": doc.tenant_id,
                "period": period,
                "status": "finalized",
                "currency": doc.currency,
                "minor_units": doc.minor_units,
                "total_minor": doc.total_minor,
                "issued_on": issued_on,
                "due_on": issued_on + timedelta(days=terms.get(doc.tenant_id, DEFAULT_PAYMENT_TERMS_DAYS)),
                "finalized_at": finalized_at,
            }
            digest = content_hash(invoice, lines)
            invoice["content_hash"] = digest
            hashes.append(digest)
            invoice_rows.append(invoice)
            line_rows.append(lines)
        # Bulk statements: 10,000 tenants are ~80,000 lines; row-by-row ORM inserts take minutes.
        for chunk_start in range(0, len(invoice_rows), chunk_size):
            chunk = invoice_rows[chunk_start : chunk_start + chunk_size]
            session.execute(insert(Invoice), chunk)
            chunk_lines = [r for lines in line_rows[chunk_start : chunk_start + chunk_size] for r in lines]
            if chunk_lines:
                session.execute(insert(InvoiceLine), chunk_lines)
            if on_document is not None:
                for offset, row in enumerate(chunk):
                    on_document(chunk_start + offset + 1, row["number"])
        session.execute(
            update(InvoiceNumberSequence)
            .where(InvoiceNumberSequence.period == period)
            .values(last_number=len(documents))
        )
        month_hash = hashlib.sha256("\n".join(hashes).encode()).hexdigest()
        session.add(
            BillingRun(
                period=period,
                finalized_at=finalized_at,
                document_count=len(documents),
                content_hash=month_hash,
            )
        )
    return FinalizeResult(
        period,
        True,
        sum(1 for d in documents if d.document_type == "invoice"),
        sum(1 for d in documents if d.document_type == "credit_note"),
        sum(d.total_minor for d in documents),
        month_hash,
    )
