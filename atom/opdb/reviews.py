"""The reviewer's side beyond approve and reject (issue 16 item 5, issue 15 item 7; decision 0053).

* **Information requests** (AMO's "request more information"): a reviewer asks the publisher a question;
  the submission waits as ``info_requested`` until the publisher answers through the API, then goes back
  to ``in_review``. One row per question, the answer beside it.
* **Delayed rejections** (AMO's "reject with delay"): a reviewer rejects a queued version effective on a
  day N days ahead, unless a fixed version (a higher version of the same package) arrives first. Until
  then the version stays out of the queue and out of the registry; on the day, the governance schedule
  rejects it; a fixed version cancels it and the old version returns to the queue for a human to close.
* **Scan suppressions**: reviewed exceptions keyed by (package, path pattern, rule, content hash), with
  who and why, applied by every scan (governance.suppressions does the matching; this is their store).

Every change writes its audit row in the same transaction (the shared ``audit_log``). The migration is
``0053_reviewer_requests_and_suppressions``. Nothing here knows the scanner: rule ids and hashes are
validated by the callers with :class:`governance.Suppression` before they are stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from atom.opdb.models import Base, PackageVersion
from atom.opdb.registry import AuditLog, Submission, record_submission_outcome, utcnow

INFO_REQUESTED = "info_requested"
QUEUED = "in_review"
REJECTION_STATES = ("pending", "applied", "cancelled")
MAX_REJECTION_DELAY_DAYS = 90


class ReviewStateError(ValueError):
    """The submission is not in a state that allows this; the message says what state it is in."""


class InfoRequest(Base):
    """A reviewer's question to the publisher of a submission, and the publisher's answer."""

    __tablename__ = "submission_info_requests"
    __table_args__ = (CheckConstraint("length(question) > 0", name="question_given"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    question: Mapped[str] = mapped_column(Text())
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(DateTime())
    answer: Mapped[str | None] = mapped_column(Text())
    answered_at: Mapped[datetime | None] = mapped_column(DateTime())
    # ``publisher:<id>`` (or ``admin:<label>``): the API key's subject that answered.
    answered_by: Mapped[str | None] = mapped_column(String(120))


class DelayedRejection(Base):
    """A rejection that takes effect on ``effective_on`` unless a fixed version arrives before."""

    __tablename__ = "delayed_rejections"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'applied', 'cancelled')", name="state_known"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    reason: Mapped[str] = mapped_column(Text())
    scheduled_by: Mapped[str] = mapped_column(String(254))
    scheduled_at: Mapped[datetime] = mapped_column(DateTime())
    effective_on: Mapped[date] = mapped_column(Date())
    state: Mapped[str] = mapped_column(String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolution: Mapped[str | None] = mapped_column(Text())


class ScanSuppression(Base):
    """A reviewed exception to a scanner finding. ``package_name`` None: every package."""

    __tablename__ = "scan_suppressions"
    __table_args__ = (CheckConstraint("length(reason) > 0", name="reason_given"),)

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    package_name: Mapped[str | None] = mapped_column(String(64), index=True)
    path_pattern: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the flagged line's stripped text, or '*' for any content.
    content_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text())
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(254))


def write_audit(
    session: Session,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any],
    *,
    api_key_id: str | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
) -> AuditLog:
    """One row of the shared audit log, in the caller's transaction."""
    entry = AuditLog(
        occurred_at=at or utcnow(),
        api_key_id=api_key_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details_json=json.dumps(details, sort_keys=True, default=str),
        request_id=request_id,
    )
    session.add(entry)
    return entry


def _submission(session: Session, submission_id: str) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise KeyError(f"no submission {submission_id!r}")
    return submission


# --- Information requests ---------------------------------------------------------------------------------


def request_info(
    session: Session, submission_id: str, reviewer: str, question: str, now: datetime | None = None
) -> InfoRequest:
    """Ask the publisher; the submission leaves the queue as ``info_requested`` until they answer."""
    text = question.strip()
    if not text:
        raise ReviewStateError("Write the question for the publisher.")
    submission = _submission(session, submission_id)
    if submission.status != QUEUED:
        raise ReviewStateError(
            f"{submission.package_name} {submission.version} is {submission.status}, not waiting for review."
        )
    at = now or utcnow()
    request = InfoRequest(submission_id=submission_id, question=text, requested_by=reviewer, requested_at=at)
    session.add(request)
    record_submission_outcome(session, submission_id, status=INFO_REQUESTED, now=at)
    session.flush()
    write_audit(
        session,
        reviewer,
        "review.request_info",
        "submission",
        submission_id,
        {"package": submission.package_name, "version": submission.version, "question": text,
         "request_id": request.id},
        at=at,
    )  # fmt: skip
    return request


def open_info_request(session: Session, submission_id: str) -> InfoRequest | None:
    """The latest unanswered question on a submission, if any."""
    return session.scalars(
        select(InfoRequest)
        .where(InfoRequest.submission_id == submission_id, InfoRequest.answered_at.is_(None))
        .order_by(InfoRequest.id.desc())
        .limit(1)
    ).first()


def info_requests(session: Session, submission_id: str) -> list[InfoRequest]:
    return list(
        session.scalars(
            select(InfoRequest).where(InfoRequest.submission_id == submission_id).order_by(InfoRequest.id)
        )
    )


def answer_info_request(
    session: Session,
    submission_id: str,
    answer: str,
    *,
    actor: str,
    api_key_id: str | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> InfoRequest:
    """The publisher's answer: recorded beside the question, audited, and the submission back in the queue."""
    text = answer.strip()
    if not text:
        raise ReviewStateError("The answer is empty; write what the reviewer asked for.")
    submission = _submission(session, submission_id)
    request = open_info_request(session, submission_id)
    if submission.status != INFO_REQUESTED or request is None:
        raise ReviewStateError(
            f"{submission.package_name} {submission.version} is {submission.status}: no reviewer question "
            "waits for an answer"
        )
    at = now or utcnow()
    request.answer, request.answered_at, request.answered_by = text, at, actor
    record_submission_outcome(session, submission_id, status=QUEUED, now=at)
    write_audit(
        session,
        actor,
        "submission.answer",
        "submission",
        submission_id,
        {"package": submission.package_name, "version": submission.version, "answer": text,
         "question": request.question, "request_id": request.id},
        api_key_id=api_key_id,
        request_id=request_id,
        at=at,
    )  # fmt: skip
    return request


# --- Delayed rejections -----------------------------------------------------------------------------------

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(version: str) -> tuple[Any, ...]:
    """SemVer 2.0 precedence: a pre-release sorts before its release; numeric identifiers numerically.

    Hand-written: ``packaging.version`` parses PEP 440, which refuses some valid semver pre-releases
    (``1.0.0-x.7.z``), and this is the only comparison the registry needs.
    """
    match = _SEMVER.match(version)
    if match is None:
        return (0, 0, 0, 0, ())
    major, minor, patch, pre = match.groups()
    if pre is None:
        return (int(major), int(minor), int(patch), 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (int(major), int(minor), int(patch), 0, parts)


def pending_rejection(session: Session, submission_id: str) -> DelayedRejection | None:
    return session.scalars(
        select(DelayedRejection).where(
            DelayedRejection.submission_id == submission_id, DelayedRejection.state == "pending"
        )
    ).first()


def pending_rejection_ids(session: Session) -> set[str]:
    """Submissions whose rejection is scheduled: decided by a reviewer, so out of the queue."""
    return set(
        session.scalars(select(DelayedRejection.submission_id).where(DelayedRejection.state == "pending"))
    )


def schedule_rejection(
    session: Session,
    submission_id: str,
    reviewer: str,
    reason: str,
    days: int,
    *,
    today: date,
    now: datetime | None = None,
) -> DelayedRejection:
    """Reject ``submission_id`` effective ``days`` days after ``today`` unless a fixed version arrives."""
    text = reason.strip()
    if not text:
        raise ReviewStateError("A reason is required: pick a canned reason or write one.")
    if not 1 <= days <= MAX_REJECTION_DELAY_DAYS:
        raise ReviewStateError(f"The delay must be 1 to {MAX_REJECTION_DELAY_DAYS} days, not {days}.")
    submission = _submission(session, submission_id)
    if submission.status != QUEUED:
        raise ReviewStateError(
            f"{submission.package_name} {submission.version} is {submission.status}, not waiting for review."
        )
    if pending_rejection(session, submission_id) is not None:
        raise ReviewStateError(
            f"{submission.package_name} {submission.version} already has a rejection scheduled."
        )
    at = now or utcnow()
    rejection = DelayedRejection(
        submission_id=submission_id,
        reason=text,
        scheduled_by=reviewer,
        scheduled_at=at,
        effective_on=today + timedelta(days=days),
        state="pending",
    )
    session.add(rejection)
    session.flush()
    write_audit(
        session,
        reviewer,
        "review.reject_delayed",
        "submission",
        submission_id,
        {"package": submission.package_name, "version": submission.version, "reason": text, "days": days,
         "effective_on": rejection.effective_on.isoformat(), "delayed_rejection_id": rejection.id},
        at=at,
    )  # fmt: skip
    return rejection


def _resolve(
    session: Session, rejection: DelayedRejection, state: str, by: str, resolution: str, at: datetime,
    *, api_key_id: str | None = None,
) -> None:  # fmt: skip
    rejection.state, rejection.resolved_at, rejection.resolved_by = state, at, by
    rejection.resolution = resolution
    action = (
        "review.delayed_rejection_applied" if state == "applied" else "review.delayed_rejection_cancelled"
    )
    write_audit(
        session,
        by,
        action,
        "submission",
        rejection.submission_id,
        {"reason": resolution, "rejection_reason": rejection.reason,
         "effective_on": rejection.effective_on.isoformat(), "delayed_rejection_id": rejection.id},
        api_key_id=api_key_id,
        at=at,
    )  # fmt: skip


def cancel_rejections_fixed_by(
    session: Session,
    fixed: Submission,
    *,
    actor: str,
    api_key_id: str | None = None,
    now: datetime | None = None,
) -> list[DelayedRejection]:
    """A new version of a package arrived: cancel the pending rejections of its lower versions.

    The cancelled version goes back to the review queue: the fix may have made it moot, but only a human
    closes it (approve it after all, or reject it now that its successor exists).
    """
    at = now or utcnow()
    pending = session.execute(
        select(DelayedRejection, Submission)
        .join(Submission, Submission.id == DelayedRejection.submission_id)
        .where(
            Submission.package_id == fixed.package_id,
            Submission.id != fixed.id,
            DelayedRejection.state == "pending",
        )
    ).all()
    cancelled = []
    for rejection, submission in pending:
        if semver_key(fixed.version) > semver_key(submission.version):
            resolution = f"fixed version {fixed.version} ({fixed.id}) arrived before {rejection.effective_on}"
            _resolve(session, rejection, "cancelled", actor, resolution, at, api_key_id=api_key_id)
            cancelled.append(rejection)
    return cancelled


@dataclass(frozen=True)
class RejectionOutcome:
    submission_id: str
    state: str  # applied | cancelled
    resolution: str


def apply_due_rejections(
    session: Session, today: date, *, actor: str = "governance", now: datetime | None = None
) -> list[RejectionOutcome]:
    """Reject every version whose delayed rejection is due on or before ``today``.

    A version that is no longer waiting for review (rescanned and rejected, or decided otherwise) or that
    a fixed version superseded (the publish path cancels at once; this is the safety net) is cancelled
    instead, with the reason.
    """
    at = now or utcnow()
    due = session.scalars(
        select(DelayedRejection)
        .where(DelayedRejection.state == "pending", DelayedRejection.effective_on <= today)
        .order_by(DelayedRejection.effective_on, DelayedRejection.id)
    ).all()
    outcomes = []
    for rejection in due:
        submission = _submission(session, rejection.submission_id)
        fixed = [
            s
            for s in session.scalars(
                select(Submission).where(
                    Submission.package_id == submission.package_id,
                    Submission.submitted_at >= rejection.scheduled_at,
                    Submission.id != submission.id,
                )
            )
            if semver_key(s.version) > semver_key(submission.version)
        ]
        if fixed:
            resolution = f"fixed version {fixed[0].version} ({fixed[0].id}) arrived"
            _resolve(session, rejection, "cancelled", actor, resolution, at)
        elif submission.status != QUEUED:
            resolution = f"the submission is {submission.status} now"
            _resolve(session, rejection, "cancelled", actor, resolution, at)
        else:
            record_submission_outcome(
                session,
                submission.id,
                status="rejected",
                reviewed_by=rejection.scheduled_by,
                review_reason=rejection.reason,
                now=at,
            )
            resolution = f"rejected on {today.isoformat()}: no fixed version arrived"
            _resolve(session, rejection, "applied", actor, resolution, at)
        outcomes.append(RejectionOutcome(submission.id, rejection.state, resolution))
    return outcomes


# --- Suppressions -----------------------------------------------------------------------------------------


def add_suppression(
    session: Session,
    *,
    rule: str,
    path_pattern: str,
    content_hash: str,
    reason: str,
    created_by: str,
    package_name: str | None,
    api_key_id: str | None = None,
    source: str = "portal",
    now: datetime | None = None,
) -> ScanSuppression:
    """Store a suppression (validated by the caller with governance.Suppression) and audit it."""
    at = now or utcnow()
    row = ScanSuppression(
        package_name=package_name,
        path_pattern=path_pattern,
        rule=rule,
        content_hash=content_hash,
        reason=reason.strip(),
        created_by=created_by,
        created_at=at,
    )
    session.add(row)
    session.flush()
    write_audit(
        session,
        created_by,
        "suppression.create",
        "suppression",
        str(row.id),
        {"package": package_name or "*", "path_pattern": path_pattern, "rule": rule,
         "content_hash": content_hash, "reason": row.reason, "source": source},
        api_key_id=api_key_id,
        at=at,
    )  # fmt: skip
    return row


def revoke_suppression(
    session: Session, suppression_id: int, revoked_by: str, now: datetime | None = None
) -> ScanSuppression:
    row = session.get(ScanSuppression, suppression_id)
    if row is None or row.revoked_at is not None:
        raise ReviewStateError(f"no active suppression {suppression_id}")
    at = now or utcnow()
    row.revoked_at, row.revoked_by = at, revoked_by
    write_audit(
        session, revoked_by, "suppression.revoke", "suppression", str(row.id),
        {"package": row.package_name or "*", "rule": row.rule, "path_pattern": row.path_pattern}, at=at,
    )  # fmt: skip
    return row


def active_suppressions(session: Session, package_name: str | None = None) -> list[ScanSuppression]:
    """Unrevoked suppressions for a package (its own and the global ones); None: the global ones only."""
    query = select(ScanSuppression).where(ScanSuppression.revoked_at.is_(None)).order_by(ScanSuppression.id)
    rows = session.scalars(query).all()
    return [r for r in rows if r.package_name is None or r.package_name == package_name]


def suppressions_version(session: Session) -> str:
    """A short digest of the set of active suppressions: it changes whenever one is added or revoked, so
    the submission sensor rescans (as it does when the rule set's version changes)."""
    ids = session.scalars(
        select(ScanSuppression.id).where(ScanSuppression.revoked_at.is_(None)).order_by(ScanSuppression.id)
    ).all()
    if not ids:
        return "none"
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:12]


# --- Why a submission is where it is (context the report cannot know) ------------------------------------


@dataclass(frozen=True)
class QueueContext:
    first_version: bool
    returned_after_approval: bool
    answered_question: str | None
    cancelled_rejection: str | None


def queue_context(session: Session, submission: Submission) -> QueueContext:
    """History that explains why a submission waits for a human, beside what its report says."""
    versions = session.scalars(
        select(PackageVersion.version).where(PackageVersion.package_id == submission.package_id)
    ).all()
    actions = set(
        session.scalars(
            select(AuditLog.action).where(
                AuditLog.target_type == "submission", AuditLog.target_id == submission.id
            )
        )
    )
    answered = session.scalars(
        select(InfoRequest)
        .where(InfoRequest.submission_id == submission.id, InfoRequest.answered_at.is_not(None))
        .order_by(InfoRequest.id.desc())
        .limit(1)
    ).first()
    cancelled = session.scalars(
        select(DelayedRejection)
        .where(DelayedRejection.submission_id == submission.id, DelayedRejection.state == "cancelled")
        .order_by(DelayedRejection.id.desc())
        .limit(1)
    ).first()
    return QueueContext(
        first_version=len(versions) <= 1,
        returned_after_approval="review.approve" in actions,
        answered_question=answered.question if answered else None,
        cancelled_rejection=cancelled.resolution if cancelled else None,
    )
