"""Operational-DB models of billing: finalized invoices and credit notes, their lines, payments received,
the monthly runs that close a month, Stripe's request ledger and webhook events, partner accounts and payouts.

Money is held as integers in the currency's minor units (cents for usd, yen for jpy): the marts already
round every line half-up to the minor unit (DESIGN 3.2 rule 7), Stripe takes integer minor units, and
SQLite has no exact decimal type. Quantities are decimal strings for the same reason.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from atom.opdb.models import Base

INVOICE_STATUSES = ("finalized", "paid", "uncollectible", "void")
DOCUMENT_TYPES = ("invoice", "credit_note")
LINE_KINDS = ("usage", "recurring", "adjustment")


class BillingRun(Base):
    """A closed month: present once every invoice of ``period`` ('YYYY-MM') was committed."""

    __tablename__ = "billing_runs"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    finalized_at: Mapped[datetime] = mapped_column(DateTime())
    document_count: Mapped[int] = mapped_column(Integer())
    # Digest over every document's content hash, in number order: one value that says "same month".
    content_hash: Mapped[str] = mapped_column(String(64))


class InvoiceNumberSequence(Base):
    """Last number handed out per month; bumped in the transaction that inserts the documents."""

    __tablename__ = "invoice_number_sequences"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer())


class BillingAccount(Base):
    """Per-tenant billing settings: payment terms (net days) and the Stripe customer once created."""

    __tablename__ = "billing_accounts"
    __table_args__ = (CheckConstraint("payment_terms_days >= 0", name="terms_not_negative"),)

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer())
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))


class Invoice(Base):
    """A finalized document: an invoice or, for negative late-usage corrections, a credit note.

    Immutable once inserted except for ``status`` (and its timestamp), the Stripe id and ``amount_paid_minor``,
    which only grows: the sum of the invoice's :class:`InvoicePayment` rows, never above ``total_minor``
    (decision 0703).
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "period", "document_type", name="uq_invoices_tenant_period_type"),
        CheckConstraint("status IN ('finalized', 'paid', 'uncollectible', 'void')", name="status_known"),
        CheckConstraint("document_type IN ('invoice', 'credit_note')", name="document_type_known"),
        Index("ix_invoices_period_number", "period", "number"),
    )

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    minor_units: Mapped[int] = mapped_column(Integer())
    total_minor: Mapped[int] = mapped_column(BigInteger())
    issued_on: Mapped[date] = mapped_column(Date())
    due_on: Mapped[date] = mapped_column(Date())
    content_hash: Mapped[str] = mapped_column(String(64))
    finalized_at: Mapped[datetime] = mapped_column(DateTime())
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime())
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255))
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger(), default=0, server_default="0")

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.line_number"
    )


class InvoiceLine(Base):
    """One line of a finalized document; ``period`` is the month the line rates (DESIGN 3.7)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('usage', 'recurring', 'adjustment')", name="kind_known"),
        Index("ix_invoice_lines_tenant_id_period", "tenant_id", "period"),
    )

    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"), primary_key=True)
    line_number: Mapped[int] = mapped_column(Integer(), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    # The draft line this rates: usage by price, recurring by plan ("usage/price_runs", "recurring/team").
    line_key: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(7))
    price_id: Mapped[str | None] = mapped_column(String(80))
    plan_id: Mapped[str | None] = mapped_column(String(80))
    metric_id: Mapped[str | None] = mapped_column(String(80))
    package_id: Mapped[str | None] = mapped_column(String(80))
    publisher_id: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger())
    partner_payout_minor: Mapped[int] = mapped_column(BigInteger())
    platform_fee_minor: Mapped[int] = mapped_column(BigInteger())

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoicePayment(Base):
    """Money received against an invoice (decision 0703): one row per rise of Stripe's cumulative
    ``amount_paid``, dated when Stripe reported it. A partial payment then the rest are two rows; their sum
    is the invoice's ``amount_paid_minor``. ``stripe_event_id`` is the event that told us (one row at most)."""

    __tablename__ = "invoice_payments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        UniqueConstraint("stripe_event_id", name="uq_invoice_payments_stripe_event_id"),
        Index("ix_invoice_payments_invoice_number", "invoice_number"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"))
    amount_minor: Mapped[int] = mapped_column(BigInteger())
    paid_at: Mapped[datetime] = mapped_column(DateTime())
    stripe_event_id: Mapped[str | None] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(DateTime())


class StripeRequest(Base):
    """Every Stripe request, keyed by its idempotency key: the dry-run outbox and the live ledger.

    In dry-run mode (no STRIPE_API_KEY) the row is all that happens; live, it is written once Stripe answered,
    so a rerun skips keys already answered and resends the rest with the same key (Stripe replays them).
    """

    __tablename__ = "stripe_requests"

    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    params: Mapped[str] = mapped_column(Text())
    object_id: Mapped[str] = mapped_column(String(255))
    invoice_number: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())


class StripeEvent(Base):
    """A webhook event already applied; its id makes Stripe's redeliveries no-ops."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    invoice_number: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime())


class PartnerAccount(Base):
    """A publisher's Stripe Connect account; without one its payouts stay in dry-run."""

    __tablename__ = "partner_accounts"

    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), primary_key=True)
    stripe_account_id: Mapped[str | None] = mapped_column(String(255))


class PartnerPayout(Base):
    """What a publisher earns for one month's finalized documents: gross = payout + platform fee."""

    __tablename__ = "partner_payouts"

    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int] = mapped_column(BigInteger())
    platform_fee_minor: Mapped[int] = mapped_column(BigInteger())
    payout_minor: Mapped[int] = mapped_column(BigInteger())
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime())
