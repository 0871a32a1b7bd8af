"""Registry and intake API: API keys, audit log, publisher signing keys, submissions, yanks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("registry",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'tenant', 'publisher')", name="ck_api_keys_role_known"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_subject", "api_keys", ["subject"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("api_key_id", sa.String(40), nullable=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])
    op.create_index("ix_audit_log_api_key_id", "audit_log", ["api_key_id"])
    op.create_table(
        "publisher_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("publisher_id", sa.String(64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["publishers.id"], name="fk_publisher_keys_publisher_id_publishers"
        ),
        sa.PrimaryKeyConstraint("key_id", name="pk_publisher_keys"),
    )
    op.create_index("ix_publisher_keys_publisher_id", "publisher_keys", ["publisher_id"])
    op.create_table(
        "submissions",
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
        sa.CheckConstraint(
            "status IN ('pending_scan', 'approved', 'in_review', 'rejected')",
            name="ck_submissions_status_known",
        ),
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
    )
    op.create_index("ix_submissions_publisher_id", "submissions", ["publisher_id"])
    op.create_index("ix_submissions_status_submitted_at", "submissions", ["status", "submitted_at"])
    op.create_index(
        "ix_submissions_package_id_version", "submissions", ["package_id", "version"], unique=True
    )
    op.create_table(
        "package_yanks",
        sa.Column("package_id", sa.String(80), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("yanked_at", sa.DateTime(), nullable=False),
        sa.Column("yanked_by_key_id", sa.String(40), nullable=False),
        sa.CheckConstraint("length(reason) > 0", name="ck_package_yanks_reason_given"),
        sa.ForeignKeyConstraint(["package_id"], ["packages.id"], name="fk_package_yanks_package_id_packages"),
        sa.PrimaryKeyConstraint("package_id", "version", name="pk_package_yanks"),
    )


def downgrade() -> None:
    op.drop_table("package_yanks")
    op.drop_index("ix_submissions_package_id_version", table_name="submissions")
    op.drop_index("ix_submissions_status_submitted_at", table_name="submissions")
    op.drop_index("ix_submissions_publisher_id", table_name="submissions")
    op.drop_table("submissions")
    op.drop_index("ix_publisher_keys_publisher_id", table_name="publisher_keys")
    op.drop_table("publisher_keys")
    op.drop_index("ix_audit_log_api_key_id", table_name="audit_log")
    op.drop_index("ix_audit_log_occurred_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_api_keys_subject", table_name="api_keys")
    op.drop_table("api_keys")
