"""Billing: finalized invoices and credit notes, lines, monthly runs, number sequences, Stripe ledger and
webhook events, billing accounts, partner accounts and payouts.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("billing",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_runs",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("finalized_at", sa.DateTime(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("period", name="pk_billing_runs"),
    )
    op.create_table(
        "invoice_number_sequences",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", name="pk_invoice_number_sequences"),
    )
    op.create_table(
        "billing_accounts",
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("stripe_customer_id", sa.String(255), nullable=True),
        sa.CheckConstraint("payment_terms_days >= 0", name="ck_billing_accounts_terms_not_negative"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_billing_accounts_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_billing_accounts"),
    )
    op.create_table(
        "invoices",
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("document_type", sa.String(16), nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("minor_units", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("finalized_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("stripe_invoice_id", sa.String(255), nullable=True),
        sa.CheckConstraint(
            "status IN ('finalized', 'paid', 'uncollectible', 'void')", name="ck_invoices_status_known"
        ),
        sa.CheckConstraint(
            "document_type IN ('invoice', 'credit_note')", name="ck_invoices_document_type_known"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_invoices_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("number", name="pk_invoices"),
        sa.UniqueConstraint("tenant_id", "period", "document_type", name="uq_invoices_tenant_period_type"),
    )
    op.create_index("ix_invoices_period_number", "invoices", ["period", "number"])
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("line_key", sa.String(200), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("price_id", sa.String(80), nullable=True),
        sa.Column("plan_id", sa.String(80), nullable=True),
        sa.Column("metric_id", sa.String(80), nullable=True),
        sa.Column("package_id", sa.String(80), nullable=True),
        sa.Column("publisher_id", sa.String(64), nullable=True),
        sa.Column("quantity", sa.String(64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("partner_payout_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('usage', 'recurring', 'adjustment')", name="ck_invoice_lines_kind_known"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_number"], ["invoices.number"], name="fk_invoice_lines_invoice_number_invoices"
        ),
        sa.PrimaryKeyConstraint("invoice_number", "line_number", name="pk_invoice_lines"),
    )
    op.create_index("ix_invoice_lines_tenant_id_period", "invoice_lines", ["tenant_id", "period"])
    op.create_table(
        "stripe_requests",
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_stripe_requests"),
    )
    op.create_index("ix_stripe_requests_invoice_number", "stripe_requests", ["invoice_number"])
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_stripe_events"),
    )
    op.create_table(
        "partner_accounts",
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("stripe_account_id", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["publishers.id"], name="fk_partner_accounts_publisher_id_publishers"
        ),
        sa.PrimaryKeyConstraint("publisher_id", name="pk_partner_accounts"),
    )
    op.create_table(
        "partner_payouts",
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("payout_minor", sa.BigInteger(), nullable=False),
        sa.Column("stripe_transfer_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["publishers.id"], name="fk_partner_payouts_publisher_id_publishers"
        ),
        sa.PrimaryKeyConstraint("publisher_id", "period", name="pk_partner_payouts"),
    )


def downgrade() -> None:
    for table in (
        "partner_payouts",
        "partner_accounts",
        "stripe_events",
        "stripe_requests",
        "invoice_lines",
        "invoices",
        "billing_accounts",
        "invoice_number_sequences",
        "billing_runs",
    ):
        op.drop_table(table)
