"""Operational tables of the intake API and the package registry (DESIGN 3.8, 3.4, 3.5).

API keys, the audit log, publishers' signing keys, package submissions and yanks. They share
:class:`atom.opdb.models.Base` so one metadata describes the whole operational DB; the migration is
``0002_registry`` (branch ``registry``).

A submission's governance outcome (``report_json``, ``decision``, ``risk_score``, ``scanned_at``) is
written later by the governance sensor, a reviewer's by the portal; :func:`record_submission_outcome`
keeps the package version's status in step with its submission, so both writers should call it. It also
keeps ``decided_at`` (migration ``0005``): the moment the submission last reached ``approved`` or
``rejected``, the end of its time in the review queue.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from atom.opdb.models import Base, PackageVersion

API_KEY_ROLES = ("admin", "tenant", "publisher")
# info_requested: a reviewer asked the publisher a question (atom.opdb.reviews, migration 0053).
SUBMISSION_STATUSES = ("pending_scan", "approved", "in_review", "info_requested", "rejected")
DECIDED_STATUSES = ("approved", "rejected")


def utcnow() -> datetime:
    """Naive UTC, the convention of every operational table (see atom/opdb/models.py)."""
    return datetime.now(UTC).replace(tzinfo=None)


class ApiKey(Base):
    """An API key; only the SHA-256 of the secret is kept (see docs/decisions/0400-api-keys-and-isolation.md).

    ``subject`` is the tenant id, the publisher id, or a free label for admin keys.
    """

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('admin', 'tenant', 'publisher')", name="role_known"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())


class AuditLog(Base):
    """One row per write through the API (and per key created from the CLI); append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_occurred_at", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime())
    # Null only for actions taken outside the API (``atom keys create``), where ``actor`` says who.
    api_key_id: Mapped[str | None] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(200))
    details_json: Mapped[str] = mapped_column(Text(), default="{}")
    request_id: Mapped[str | None] = mapped_column(String(40))


class PublisherKey(Base):
    """A publisher's registered public signing key; ``key_id`` is governance.signatures.key_id."""

    __tablename__ = "publisher_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), index=True)
    public_key_pem: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())


class Submission(Base):
    """An uploaded, signature-checked ``.wpk`` waiting for (or past) governance."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_scan', 'approved', 'in_review', 'info_requested', 'rejected')",
            name="status_known",
        ),
        CheckConstraint(
            "decision IS NULL OR decision IN ('approve', 'review', 'reject')", name="decision_known"
        ),
        Index("ix_submissions_status_submitted_at", "status", "submitted_at"),
        Index("ix_submissions_package_id_version", "package_id", "version", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), index=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"))
    package_name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer())
    artifact_path: Mapped[str] = mapped_column(Text())
    signature: Mapped[str] = mapped_column(Text())
    signing_key_id: Mapped[str] = mapped_column(ForeignKey("publisher_keys.key_id"))
    manifest_json: Mapped[str] = mapped_column(Text())
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(DateTime())
    submitted_by_key_id: Mapped[str] = mapped_column(String(40))
    # Written by governance (the scan) and the portal (a reviewer's decision).
    report_json: Mapped[str | None] = mapped_column(Text())
    decision: Mapped[str | None] = mapped_column(String(16))
    risk_score: Mapped[float | None] = mapped_column(Float())
    scanned_at: Mapped[datetime | None] = mapped_column(DateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    review_reason: Mapped[str | None] = mapped_column(Text())
    # Set when status becomes approved or rejected, cleared when it goes back to the queue.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime())


class PackageYank(Base):
    """A withdrawn version (PEP 592's yank): the file stays, installers skip it unless pinned."""

    __tablename__ = "package_yanks"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text())
    yanked_at: Mapped[datetime] = mapped_column(DateTime())
    yanked_by_key_id: Mapped[str] = mapped_column(String(40))


def record_submission_outcome(
    session: Session,
    submission_id: str,
    *,
    status: str,
    decision: str | None = None,
    report: dict[str, Any] | None = None,
    risk_score: float | None = None,
    reviewed_by: str | None = None,
    review_reason: str | None = None,
    now: datetime | None = None,
) -> Submission:
    """Write a scan or review outcome to a submission and mirror ``status`` onto its package version.

    ``now`` (naive UTC, default the current time) stamps ``scanned_at`` when a report comes and
    ``decided_at`` when the status moves to approved or rejected. Staying in a decided status (a rescan that
    does not overrule a reviewer) keeps the first ``decided_at``; going back to ``in_review`` or
    ``pending_scan`` (a rescan that finds something new) clears it, because the package is in the queue again
    and its time in queue runs on from submission until the next decision.
    """
    if status not in SUBMISSION_STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(SUBMISSION_STATUSES)}")
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise KeyError(f"no submission {submission_id!r}")
    at = now if now is not None else utcnow()
    if status not in DECIDED_STATUSES:
        submission.decided_at = None
    elif submission.status != status or submission.decided_at is None:
        submission.decided_at = at
    submission.status = status
    if report is not None:
        submission.report_json = json.dumps(report, sort_keys=True)
        submission.scanned_at = at
    if decision is not None:
        submission.decision = decision
    if risk_score is not None:
        submission.risk_score = risk_score
    if reviewed_by is not None:
        submission.reviewed_by = reviewed_by
        submission.review_reason = review_reason
    version = session.scalars(
        select(PackageVersion).where(
            PackageVersion.package_id == submission.package_id, PackageVersion.version == submission.version
        )
    ).one_or_none()
    if version is not None:
        version.status = status
    return submission
