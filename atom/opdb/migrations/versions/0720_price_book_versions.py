"""Operator lifecycle (issue 15): price-book versions, and ``suspended`` among a tenant's states.

Revision ID: 0720
Revises: 0001
Create Date: 2026-12-06

A branch off core, as 0601 is (decision docs/decisions/0700-operator-price-book-subscriptions.md); 0710 is
the corrections area's revision of the same day, hence 0720.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0720"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "state IN ('trialing', 'active', 'past_due', 'churned', 'reactivated')"
_NEW = "state IN ('trialing', 'active', 'past_due', 'suspended', 'churned', 'reactivated')"


def upgrade() -> None:
    op.create_table(
        "price_book_versions",
        sa.Column("effective_from", sa.String(7), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("effective_from", name="pk_price_book_versions"),
    )
    _recreate_tenant_events(_NEW)


def downgrade() -> None:
    _recreate_tenant_events(_OLD)
    op.drop_table("price_book_versions")


def _recreate_tenant_events(check: str) -> None:
    """The table as 0001 made it with another state check. SQLite cannot alter a CHECK in place: batch mode
    recreates the table from this definition. PostgreSQL swaps the constraint."""
    if op.get_bind().dialect.name != "sqlite":
        for name in ("ck_tenant_events_state_known", "ck_tenant_events_ck_tenant_events_state_known"):
            op.execute(f"ALTER TABLE tenant_events DROP CONSTRAINT IF EXISTS {name}")
        op.execute(f"ALTER TABLE tenant_events ADD CONSTRAINT ck_tenant_events_state_known CHECK ({check})")
        return
    table = sa.Table(
        "tenant_events",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_OLD if check == _NEW else _NEW, name="ck_tenant_events_state_known"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_tenant_events_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_events"),
        sa.Index("ix_tenant_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    )
    with op.batch_alter_table("tenant_events", copy_from=table, recreate="always") as batch:
        batch.drop_constraint(op.f("ck_tenant_events_state_known"), type_="check")
        batch.create_check_constraint(op.f("ck_tenant_events_state_known"), sa.text(check))
