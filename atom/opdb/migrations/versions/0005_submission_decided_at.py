"""Submissions: decided_at, when a submission reached approved or rejected (time in queue, issue 5).

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table where it must.
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
    # Submissions decided before this column existed: the scan time is the best known moment (an automated
    # decision happens at the scan; a human one happened at or after it).
    op.execute("UPDATE submissions SET decided_at = scanned_at WHERE status IN ('approved', 'rejected')")


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("decided_at")
