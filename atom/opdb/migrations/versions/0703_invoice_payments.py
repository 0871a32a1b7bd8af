"""Partial payments (issue 15 item 10, decision 0703): the amount paid on an invoice and its payments.

Revision ID: 0703
Revises: 0710
Create Date: 2026-12-07

Chained after the billing branch's head (0003 -> 0710), not a merge of the area heads. Invoices already
paid when this runs are backfilled as paid in full by one payment dated when their status changed (the
webhook's time), so collected amounts and receivables keep their history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0703"
down_revision: str | None = "0710"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invoices", sa.Column("amount_paid_minor", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.create_table(
        "invoice_payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("stripe_event_id", sa.String(255), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name="ck_invoice_payments_amount_positive"),
        sa.ForeignKeyConstraint(
            ["invoice_number"], ["invoices.number"], name="fk_invoice_payments_invoice_number_invoices"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_payments"),
        sa.UniqueConstraint("stripe_event_id", name="uq_invoice_payments_stripe_event_id"),
    )
    op.create_index("ix_invoice_payments_invoice_number", "invoice_payments", ["invoice_number"])
    paid = "status = 'paid' AND document_type = 'invoice' AND total_minor > 0"
    op.execute(
        "INSERT INTO invoice_payments (invoice_number, amount_minor, paid_at, stripe_event_id, recorded_at) "
        "SELECT number, total_minor, COALESCE(status_changed_at, finalized_at), NULL, "
        f"COALESCE(status_changed_at, finalized_at) FROM invoices WHERE {paid}"
    )
    op.execute(f"UPDATE invoices SET amount_paid_minor = total_minor WHERE {paid}")


def downgrade() -> None:
    op.drop_index("ix_invoice_payments_invoice_number", "invoice_payments")
    op.drop_table("invoice_payments")
    # SQLite >= 3.35 and PostgreSQL both drop a column in place (no table rebuild under the lines' FK).
    op.execute("ALTER TABLE invoices DROP COLUMN amount_paid_minor")
