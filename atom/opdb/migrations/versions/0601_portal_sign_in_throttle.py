"""Portal: failed sign-ins per account and per client address, for throttling (issue 11, finding 4).

Revision ID: 0601
Revises: 0004
Create Date: 2026-12-06

The id follows decision 0601 rather than the next free number, so that it cannot collide with a
revision another area adds at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0601"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_sign_in_throttle",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("key", sa.String(254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_portal_sign_in_throttle"),
    )


def downgrade() -> None:
    op.drop_table("portal_sign_in_throttle")
