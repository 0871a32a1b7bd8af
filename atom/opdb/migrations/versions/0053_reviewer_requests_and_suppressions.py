"""The reviewer's side: ``info_requested`` submissions, information requests, delayed rejections, scan
suppressions (issue 16 item 5, issue 15 item 7; docs/decisions/0053-reviewer-requests-delayed-rejection-suppressions.md).

Revision ID: 0053
Revises: 0005
Create Date: 2026-12-07

On the registry branch after 0005 (it changes ``submissions``), numbered after its decision record as 0601,
0710 and 0720 are, so it adds no head of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "status IN ('pending_scan', 'approved', 'in_review', 'rejected')"
_NEW = "status IN ('pending_scan', 'approved', 'in_review', 'info_requested', 'rejected')"


def upgrade() -> None:
    _set_status_check(_NEW)
    op.create_table(
        "submission_info_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(254), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.String(120), nullable=True),
        sa.CheckConstraint("length(question) > 0", name="ck_submission_info_requests_question_given"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_submission_info_requests_submission_id_submissions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission_info_requests"),
    )
    op.create_index(
        "ix_submission_info_requests_submission_id", "submission_info_requests", ["submission_id"]
    )
    op.create_table(
        "delayed_rejections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("scheduled_by", sa.String(254), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(254), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'applied', 'cancelled')", name="ck_delayed_rejections_state_known"
        ),
        sa.CheckConstraint("length(reason) > 0", name="ck_delayed_rejections_reason_given"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_delayed_rejections_submission_id_submissions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_delayed_rejections"),
    )
    op.create_index("ix_delayed_rejections_submission_id", "delayed_rejections", ["submission_id"])
    op.create_table(
        "scan_suppressions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("package_name", sa.String(64), nullable=True),
        sa.Column("path_pattern", sa.String(500), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(254), nullable=True),
        sa.CheckConstraint("length(reason) > 0", name="ck_scan_suppressions_reason_given"),
        sa.PrimaryKeyConstraint("id", name="pk_scan_suppressions"),
    )
    op.create_index("ix_scan_suppressions_package_name", "scan_suppressions", ["package_name"])


def downgrade() -> None:
    op.drop_index("ix_scan_suppressions_package_name", table_name="scan_suppressions")
    op.drop_table("scan_suppressions")
    op.drop_index("ix_delayed_rejections_submission_id", table_name="delayed_rejections")
    op.drop_table("delayed_rejections")
    op.drop_index("ix_submission_info_requests_submission_id", table_name="submission_info_requests")
    op.drop_table("submission_info_requests")
    # A question still open has no status to wait in below this revision: back to the queue it goes.
    op.execute("UPDATE submissions SET status = 'in_review' WHERE status = 'info_requested'")
    op.execute("UPDATE package_versions SET status = 'in_review' WHERE status = 'info_requested'")
    _set_status_check(_OLD)


def _set_status_check(check: str) -> None:
    """PostgreSQL swaps the constraint in place. SQLite cannot alter a CHECK: batch mode rebuilds
    ``submissions``. ``review_locks`` references it; with foreign keys on, dropping the old table under
    live locks would fail, so the locks are set aside for the rebuild and put back after it."""
    if op.get_bind().dialect.name != "sqlite":
        # 0002 named it through the naming convention, which doubled the prefix on PostgreSQL.
        for name in ("ck_submissions_status_known", "ck_submissions_ck_submissions_status_known"):
            op.execute(f"ALTER TABLE submissions DROP CONSTRAINT IF EXISTS {name}")
        op.execute(f"ALTER TABLE submissions ADD CONSTRAINT ck_submissions_status_known CHECK ({check})")
        return
    bind = op.get_bind()
    # review_locks is the portal branch's (0004); it may come after this revision on a fresh climb.
    has_locks = sa.inspect(bind).has_table("review_locks")
    locks = (
        bind.execute(
            sa.text("SELECT submission_id, locked_by, locked_at, expires_at FROM review_locks")
        ).all()
        if has_locks
        else []
    )
    if has_locks:
        bind.execute(sa.text("DELETE FROM review_locks"))
    table = _submissions_table(_OLD if check == _NEW else _NEW)
    with op.batch_alter_table("submissions", copy_from=table, recreate="always") as batch:
        batch.drop_constraint(op.f("ck_submissions_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_submissions_status_known"), sa.text(check))
    for row in locks:
        bind.execute(
            sa.text(
                "INSERT INTO review_locks (submission_id, locked_by, locked_at, expires_at) "
                "VALUES (:submission_id, :locked_by, :locked_at, :expires_at)"
            ),
            dict(row._mapping),
        )


def _submissions_table(check: str) -> sa.Table:
    """``submissions`` as 0002 and 0005 made it, with ``check`` on status: SQLite does not reflect CHECK
    constraints, so batch mode copies from this definition (as 0720 does for tenant_events)."""
    return sa.Table(
        "submissions",
        sa.MetaData(),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("package_id", sa.String(80), nullable=False),
        sa.Column("package_name", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("artifact_path", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("signing_key_id", sa.String(64), nullable=False),
        sa.Column("manifest_json", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by_key_id", sa.String(40), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("risk_score", sa.Float(), nullable=True),
        sa.Column("scanned_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(120), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(check, name="ck_submissions_status_known"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('approve', 'review', 'reject')",
            name="ck_submissions_decision_known",
        ),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["publishers.id"], name="fk_submissions_publisher_id_publishers"
        ),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name="fk_submissions_package_id_packages"),
        sa.ForeignKeyConstraint(
            ["signing_key_id"], ["publisher_keys.key_id"], name="fk_submissions_signing_key_id_publisher_keys"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.Index("ix_submissions_publisher_id", "publisher_id"),
        sa.Index("ix_submissions_status_submitted_at", "status", "submitted_at"),
        sa.Index("ix_submissions_package_id_version", "package_id", "version", unique=True),
    )
