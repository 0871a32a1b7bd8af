"""Operator credit notes against finalized invoices, and package installs (issue 15, decision 0710).

Revision ID: 0710
Revises: 0003
Create Date: 2026-12-06

A branch off billing (credit notes point at invoices); the id follows decision 0710 so that it cannot
collide with a revision another area adds at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0710"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("minor_units", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("stripe_credit_note_id", sa.String(255), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name="ck_credit_notes_amount_positive"),
        sa.ForeignKeyConstraint(
            ["invoice_number"], ["invoices.number"], name="fk_credit_notes_invoice_number_invoices"
        ),
        sa.PrimaryKeyConstraint("number", name="pk_credit_notes"),
    )
    op.create_index("ix_credit_notes_invoice_number", "credit_notes", ["invoice_number"])
    op.create_table(
        "installs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("package_id", sa.String(80), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_installs_tenant_id_tenants"),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name="fk_installs_package_id_packages"),
        sa.PrimaryKeyConstraint("id", name="pk_installs"),
    )
    op.create_index("ix_installs_tenant_id_package_id", "installs", ["tenant_id", "package_id"])


def downgrade() -> None:
    op.drop_index("ix_installs_tenant_id_package_id", "installs")
    op.drop_table("installs")
    op.drop_index("ix_credit_notes_invoice_number", "credit_notes")
    op.drop_table("credit_notes")
