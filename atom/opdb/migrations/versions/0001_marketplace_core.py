"""Marketplace core: publishers, packages and versions, tenants, plan history, lifecycle events.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publishers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_publishers"),
    )
    op.create_table(
        "packages",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["publishers.id"], name="fk_packages_publisher_id_publishers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_packages"),
        sa.UniqueConstraint("name", name="uq_packages_name"),
    )
    op.create_index("ix_packages_publisher_id", "packages", ["publisher_id"])
    op.create_table(
        "package_versions",
        sa.Column("package_id", sa.String(80), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name="fk_package_versions_package_id_packages"
        ),
        sa.PrimaryKeyConstraint("package_id", "version", name="pk_package_versions"),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("segment", sa.String(32), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on > started_on", name="ck_subscriptions_interval_not_empty"
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_subscriptions_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_tenant_id_started_on", "subscriptions", ["tenant_id", "started_on"])
    op.create_table(
        "tenant_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(80), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('trialing', 'active', 'past_due', 'churned', 'reactivated')",
            name="ck_tenant_events_state_known",
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_tenant_events_tenant_id_tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_events"),
    )
    op.create_index("ix_tenant_events_tenant_id_occurred_at", "tenant_events", ["tenant_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_tenant_events_tenant_id_occurred_at", table_name="tenant_events")
    op.drop_table("tenant_events")
    op.drop_index("ix_subscriptions_tenant_id_started_on", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("tenants")
    op.drop_table("package_versions")
    op.drop_index("ix_packages_publisher_id", table_name="packages")
    op.drop_table("packages")
    op.drop_table("publishers")
