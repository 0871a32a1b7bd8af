"""Operator corrections and marketplace events (issue 15, decision 0710): credit notes an operator issues
against a finalized invoice, and package installs by tenants.

An operator's credit note is its own document, numbered from the same gapless monthly sequence as the
invoice it credits (``ATOM-YYYYMM-NNNNN`` of the invoice's month, after the documents finalization gave
out). It lives beside ``invoices`` rather than in it: finalization compares closed months' rating with
what their documents carried, and a goodwill credit is not a re-rating (it must not come back as a
positive adjustment next month).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atom.opdb.models import Base


class CreditNote(Base):
    """A credit against one finalized invoice; ``amount_minor`` is positive (what it takes off)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_credit_notes_invoice_number", "invoice_number"),
    )

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"))
    tenant_id: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(7))  # the credited invoice's month (its number's month)
    currency: Mapped[str] = mapped_column(String(3))
    minor_units: Mapped[int] = mapped_column(Integer())
    amount_minor: Mapped[int] = mapped_column(BigInteger())
    reason: Mapped[str] = mapped_column(Text())
    issued_on: Mapped[date] = mapped_column(Date())
    created_at: Mapped[datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    stripe_credit_note_id: Mapped[str | None] = mapped_column(String(255))


class Install(Base):
    """A tenant installed an approved version of a package (``POST /v1/installs``)."""

    __tablename__ = "installs"
    __table_args__ = (Index("ix_installs_tenant_id_package_id", "tenant_id", "package_id"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"))
    version: Mapped[str] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(DateTime())
