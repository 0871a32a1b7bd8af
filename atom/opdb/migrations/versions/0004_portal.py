"""Portal: accounts (argon2 password hashes, roles) and reviewers' locks on submissions.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("portal",)
# review_locks refers to submissions, which the registry branch creates.
depends_on: str | Sequence[str] | None = ("0002",)


def upgrade() -> None:
    op.create_table(
        "portal_users",
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'reviewer', 'finance', 'analyst')", name="ck_portal_users_role_known"
        ),
        sa.PrimaryKeyConstraint("email", name="pk_portal_users"),
    )
    op.create_table(
        "review_locks",
        sa.Column("submission_id", sa.String(40), nullable=False),
        sa.Column("locked_by", sa.String(254), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_review_locks_submission_id_submissions"
        ),
        sa.PrimaryKeyConstraint("submission_id", name="pk_review_locks"),
    )


def downgrade() -> None:
    op.drop_table("review_locks")
    op.drop_table("portal_users")
