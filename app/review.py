"""The review console's logic, without Streamlit: the queue, why each entry is in it, the code around each
finding, the diff against the previous version, and the decision itself.

Due dates follow Mozilla AMO's reviewer tools: a submission waiting for a human is due a set number of
working days (Mon-Fri, ``ATOM_REVIEW_DUE_DAYS``, default 3) after it was submitted. The queue is ordered by
due date, then by risk, highest first.
"""

from __future__ import annotations

import difflib
import glob
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atom.artifacts import read_artifact
from atom.opdb.portal import (
    Identity,
    ReviewLock,
    audit,
    current_lock,
    live_identity,
    live_locks,
    release_review_lock,
)
from atom.opdb.registry import AuditLog, Submission, record_submission_outcome, utcnow
from atom.opdb.reviews import (
    INFO_REQUESTED,
    DelayedRejection,
    InfoRequest,
    ReviewStateError,
    ScanSuppression,
    active_suppressions,
    add_suppression,
    pending_rejection_ids,
    queue_context,
    request_info,
    revoke_suppression,
    schedule_rejection,
)
from governance import Suppression
from governance.archive import Archive, ArchiveError, read_archive
from governance.findings import line_hash
from governance.triage import queue_reasons as triage_reasons

QUEUED_STATUS = "in_review"
REVIEWER_ROLES = frozenset({"admin", "reviewer"})
DECISIONS = {"approve": "approved", "reject": "rejected"}
# Beyond approve and reject (decision 0053): reject on a later day unless a fixed version arrives, or ask
# the publisher a question.
ACTIONS = ("approve", "reject", "reject_later", "request_info")
ACTION_LABELS = {
    "approve": "Approve",
    "reject": "Reject",
    "reject_later": "Reject with delay",
    "request_info": "Ask the publisher",
}
DEFAULT_REJECTION_DELAY_DAYS = 14
CANNED_REASONS: dict[str, tuple[str, ...]] = {
    "approve": (
        "Findings reviewed: false positives",
        "Permissions match what the package does",
        "Low-impact findings, risk accepted",
    ),
    "reject": (
        "Obfuscated or hidden code",
        "Undeclared network access or data exfiltration",
        "Secrets or credentials in the package",
        "Permissions broader than the package needs",
        "Signature or manifest problem",
    ),
}
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
CONTEXT_LINES = 3


class ReviewError(RuntimeError):
    """A decision cannot be taken as asked; the message says what to do."""


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` weekdays (Saturdays and Sundays are skipped)."""
    moment = start
    # A submission made on a weekend starts its clock on Monday.
    while moment.weekday() >= 5:
        moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def report_of(submission: Submission) -> dict[str, Any]:
    return json.loads(submission.report_json) if submission.report_json else {}


def queue_reasons(
    report: dict[str, Any],
    *,
    first_version: bool,
    returned_after_approval: bool,
    answered_question: str | None = None,
    cancelled_rejection: str | None = None,
) -> list[str]:
    """Why a human has to look, in words a reviewer acts on (AMO's NeedsHumanReview reasons, our set):
    every threshold, rule and policy that sent it here (governance.triage, shared with the API)."""
    return [
        reason.text
        for reason in triage_reasons(
            report,
            first_version=first_version,
            returned_after_approval=returned_after_approval,
            answered_question=answered_question,
            cancelled_rejection=cancelled_rejection,
        )
    ]


@dataclass(frozen=True)
class QueueEntry:
    submission_id: str
    package_name: str
    version: str
    publisher_id: str
    submitted_at: datetime
    due_at: datetime
    risk_score: float | None
    findings: int
    reasons: tuple[str, ...]
    locked_by: str | None

    def is_past_due(self, now: datetime) -> bool:
        return now > self.due_at


def review_queue(session: Session, due_days: int, now: datetime | None = None) -> list[QueueEntry]:
    """Submissions waiting for a reviewer, due date first, then the riskiest first. A submission whose
    rejection is scheduled was decided: it waits for its day, not for a reviewer."""
    moment = now or utcnow()
    scheduled = pending_rejection_ids(session)
    waiting = [
        sub
        for sub in session.scalars(select(Submission).where(Submission.status == QUEUED_STATUS)).all()
        if sub.id not in scheduled
    ]
    locks = live_locks(session, moment)
    entries = []
    for sub in waiting:
        report = report_of(sub)
        # A package's first version is one with no other version in the registry (a catalog version counts,
        # even when it never came through a submission).
        context = queue_context(session, sub)
        entries.append(
            QueueEntry(
                submission_id=sub.id,
                package_name=sub.package_name,
                version=sub.version,
                publisher_id=sub.publisher_id,
                submitted_at=sub.submitted_at,
                due_at=add_working_days(sub.submitted_at, due_days),
                risk_score=sub.risk_score,
                findings=len(report.get("findings", [])),
                reasons=tuple(
                    queue_reasons(
                        report,
                        first_version=context.first_version,
                        returned_after_approval=context.returned_after_approval,
                        answered_question=context.answered_question,
                        cancelled_rejection=context.cancelled_rejection,
                    )
                ),
                locked_by=locks[sub.id].locked_by if sub.id in locks else None,
            )
        )
    return sorted(entries, key=lambda e: (e.due_at, -(e.risk_score or 0.0), e.submitted_at))


def waiting_counts(session: Session, due_days: int, now: datetime | None = None) -> tuple[int, int]:
    """``(waiting, past_due)`` for the Overview tiles."""
    moment = now or utcnow()
    scheduled = pending_rejection_ids(session)
    submitted = [
        at
        for submission_id, at in session.execute(
            select(Submission.id, Submission.submitted_at).where(Submission.status == QUEUED_STATUS)
        ).tuples()
        if submission_id not in scheduled
    ]
    past_due = sum(1 for at in submitted if moment > add_working_days(at, due_days))
    return len(submitted), past_due


def load_archive(artifacts_dir: Any, submission: Submission) -> Archive | None:
    """The submission's checked archive from the artifact store, or None if it cannot be read."""
    try:
        return read_archive(read_artifact(artifacts_dir, submission.sha256))
    except (OSError, ValueError, ArchiveError):
        return None


def code_context(
    archive: Archive, file: str, line: int, radius: int = CONTEXT_LINES
) -> list[tuple[int, str, bool]]:
    """``(line number, text, is the flagged line)`` for the lines around ``line`` of ``file``."""
    data = archive.members.get(file)
    if data is None or line < 1:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    first, last = max(1, line - radius), min(len(lines), line + radius)
    return [(n, lines[n - 1], n == line) for n in range(first, last + 1)]


def render_context(context: list[tuple[int, str, bool]]) -> str:
    """Numbered lines with a ``>`` before the flagged one, for a code block."""
    width = len(str(context[-1][0])) if context else 1
    return "\n".join(f"{'>' if flagged else ' '} {n:>{width}} | {text}" for n, text, flagged in context)


@dataclass(frozen=True)
class FileChange:
    path: str
    change: str  # added | removed | changed | unchanged
    old_bytes: int | None
    new_bytes: int | None
    diff: str = field(default="", compare=False)


def file_diff(previous: Archive | None, current: Archive) -> list[FileChange]:
    """File by file: added, removed, changed (with a unified diff for text) and unchanged."""
    old = previous.members if previous is not None else {}
    new = current.members
    changes = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before is None:
            change = "added"
        elif after is None:
            change = "removed"
        elif before == after:
            change = "unchanged"
        else:
            change = "changed"
        text = ""
        if change != "unchanged":
            text = "".join(
                difflib.unified_diff(
                    (before or b"").decode("utf-8", errors="replace").splitlines(keepends=True),
                    (after or b"").decode("utf-8", errors="replace").splitlines(keepends=True),
                    fromfile=f"previous/{path}",
                    tofile=f"this/{path}",
                )
            )
        changes.append(
            FileChange(
                path,
                change,
                len(before) if before is not None else None,
                len(after) if after is not None else None,
                text,
            )
        )
    return changes


def previous_submission(session: Session, submission: Submission) -> Submission | None:
    """The same package's submission made just before this one (any outcome)."""
    return session.scalars(
        select(Submission)
        .where(
            Submission.package_id == submission.package_id, Submission.submitted_at < submission.submitted_at
        )
        .order_by(Submission.submitted_at.desc())
        .limit(1)
    ).first()


def package_history(session: Session, package_id: str) -> list[dict[str, Any]]:
    """Every submission of the package and every audit entry about them, oldest first."""
    submissions = session.scalars(
        select(Submission).where(Submission.package_id == package_id).order_by(Submission.submitted_at)
    ).all()
    events: list[dict[str, Any]] = []
    for sub in submissions:
        events.append(
            {
                "at": sub.submitted_at,
                "version": sub.version,
                "event": "submitted",
                "by": sub.publisher_id,
                "detail": sub.sha256[:12],
            }
        )
        if sub.scanned_at is not None:
            events.append(
                {
                    "at": sub.scanned_at,
                    "version": sub.version,
                    "event": f"scanned: {sub.decision}",
                    "by": "governance",
                    "detail": f"risk {sub.risk_score:.2f}" if sub.risk_score is not None else "",
                }
            )
    by_id = {sub.id: sub.version for sub in submissions}
    if by_id:
        for entry in session.scalars(
            select(AuditLog)
            .where(AuditLog.target_type == "submission", AuditLog.target_id.in_(by_id))
            .order_by(AuditLog.occurred_at)
        ):
            details = json.loads(entry.details_json or "{}")
            events.append(
                {
                    "at": entry.occurred_at,
                    "version": by_id[entry.target_id],
                    "event": entry.action,
                    "by": entry.actor,
                    "detail": _history_detail(details),
                }
            )
    return sorted(events, key=lambda e: e["at"])


def _history_detail(details: dict[str, Any]) -> str:
    """The line a history row shows: the question, the answer, the reason (and a delayed rejection's day)."""
    if "answer" in details:
        return f"Q: {details.get('question', '')} A: {details['answer']}"
    if "question" in details:
        return f"Q: {details['question']}"
    text = str(details.get("reason", ""))
    if details.get("effective_on"):
        text = (
            f"{text} (effective {details['effective_on']})"
            if text
            else f"effective {details['effective_on']}"
        )
    return text


def take(session: Session, submission_id: str, identity: Identity, now: datetime | None = None) -> ReviewLock:
    """Lock the submission for this reviewer (see atom.opdb.portal.acquire_review_lock) and audit it."""
    from atom.opdb.portal import acquire_review_lock

    _require_reviewer(session, identity)
    lock = acquire_review_lock(session, submission_id, identity.email, now=now)
    audit(
        session, identity.email, "review.lock", "submission", submission_id, {"expires_at": lock.expires_at}
    )
    return lock


def release(session: Session, submission_id: str, identity: Identity) -> None:
    if release_review_lock(session, submission_id, identity.email):
        audit(session, identity.email, "review.unlock", "submission", submission_id, {})


def decide(
    session: Session,
    submission_id: str,
    identity: Identity,
    decision: str,
    reason: str,
    now: datetime | None = None,
) -> Submission:
    """Approve or reject a queued submission: registry, audit log and lock in one transaction.

    ``record_submission_outcome`` moves the package version's status too, so the decision is live in the
    registry (``GET /v1/packages``) as soon as the session commits.
    """
    _require_reviewer(session, identity)
    if decision not in DECISIONS:
        raise ReviewError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    text = reason.strip()
    if not text:
        raise ReviewError("A reason is required: pick a canned reason or write one.")
    submission = _held_submission(session, submission_id, identity, now)
    record_submission_outcome(
        session, submission_id, status=DECISIONS[decision], reviewed_by=identity.email, review_reason=text
    )
    audit(
        session,
        identity.email,
        f"review.{decision}",
        "submission",
        submission_id,
        {"package": submission.package_name, "version": submission.version, "reason": text},
    )
    release_review_lock(session, submission_id, identity.email)
    return submission


def _held_submission(
    session: Session, submission_id: str, identity: Identity, now: datetime | None
) -> Submission:
    """The queued submission the reviewer holds the lock of; ReviewError otherwise."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise ReviewError(f"There is no submission {submission_id!r}.")
    if submission.status != QUEUED_STATUS or submission_id in pending_rejection_ids(session):
        state = "scheduled for rejection" if submission.status == QUEUED_STATUS else submission.status
        raise ReviewError(
            f"{submission.package_name} {submission.version} is {state}, not waiting for review."
        )
    lock = current_lock(session, submission_id, now)
    if lock is None or lock.locked_by != identity.email:
        holder = f"{lock.locked_by} holds it" if lock is not None else "nobody holds it"
        raise ReviewError(f"Take the package before deciding ({holder}).")
    return submission


def ask_publisher(
    session: Session, submission_id: str, identity: Identity, question: str, now: datetime | None = None
) -> InfoRequest:
    """Ask the publisher a question (AMO's "request more information"): the submission waits as
    ``info_requested`` until the publisher answers through the API (``POST /v1/submissions/{id}/answers``)."""
    _require_reviewer(session, identity)
    if not question.strip():
        raise ReviewError("Write the question for the publisher.")
    _held_submission(session, submission_id, identity, now)
    try:
        request = request_info(session, submission_id, identity.email, question, now=now)
    except ReviewStateError as exc:
        raise ReviewError(str(exc)) from None
    release_review_lock(session, submission_id, identity.email)
    return request


def reject_later(
    session: Session,
    submission_id: str,
    identity: Identity,
    reason: str,
    days: int,
    today: date,
    now: datetime | None = None,
) -> DelayedRejection:
    """Reject effective ``days`` days after ``today`` unless a fixed (higher) version arrives first; the
    governance schedule applies it on the day (orchestration/defs/governance.py)."""
    _require_reviewer(session, identity)
    if not reason.strip():
        raise ReviewError("A reason is required: pick a canned reason or write one.")
    _held_submission(session, submission_id, identity, now)
    try:
        rejection = schedule_rejection(
            session, submission_id, identity.email, reason, days, today=today, now=now
        )
    except ReviewStateError as exc:
        raise ReviewError(str(exc)) from None
    release_review_lock(session, submission_id, identity.email)
    return rejection


def waiting_for_publisher(session: Session) -> list[tuple[Submission, InfoRequest]]:
    """Submissions whose question waits for the publisher's answer, with the open question."""
    rows = session.execute(
        select(Submission, InfoRequest)
        .join(InfoRequest, InfoRequest.submission_id == Submission.id)
        .where(Submission.status == INFO_REQUESTED, InfoRequest.answered_at.is_(None))
        .order_by(InfoRequest.requested_at)
    ).all()
    return [(sub, request) for sub, request in rows]


def scheduled_rejections(session: Session) -> list[tuple[Submission, DelayedRejection]]:
    rows = session.execute(
        select(Submission, DelayedRejection)
        .join(DelayedRejection, DelayedRejection.submission_id == Submission.id)
        .where(DelayedRejection.state == "pending")
        .order_by(DelayedRejection.effective_on)
    ).all()
    return [(sub, rejection) for sub, rejection in rows]


SUPPRESSION_SCOPES = {
    "line": "This line in this file of this package (the exact flagged text)",
    "file": "Any line of this file in this package",
}


def finding_hash(archive: Archive | None, finding: dict[str, Any]) -> str | None:
    """The content hash the scanner gave a finding: the SHA-256 of its line's stripped text."""
    data = archive.members.get(str(finding.get("file"))) if archive is not None else None
    line = int(finding.get("line") or 0)
    if data is None or line < 1:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    return line_hash(lines[line - 1]) if line <= len(lines) else None


def suppress_finding(
    session: Session,
    submission: Submission,
    finding: dict[str, Any],
    identity: Identity,
    reason: str,
    *,
    scope: str,
    archive: Archive | None,
    now: datetime | None = None,
) -> ScanSuppression:
    """Store a suppression for this finding (package, file, rule and, for ``line``, the line's content
    hash), audited; the sensor rescans every submission with it (ingest.review.submissions_to_scan)."""
    _require_reviewer(session, identity)
    if scope not in SUPPRESSION_SCOPES:
        raise ReviewError(f"scope {scope!r} is not one of {', '.join(SUPPRESSION_SCOPES)}")
    content_hash = "*"
    if scope == "line":
        found = finding_hash(archive, finding)
        if found is None:
            raise ReviewError(
                "The flagged line cannot be read from the archive; suppress for the whole file."
            )
        content_hash = found
    # The file's own path, its glob characters escaped: a file named "steps/[x].py" matches itself only.
    file = glob.escape(str(finding.get("file")))
    candidate = Suppression(file, str(finding.get("rule")), content_hash, identity.email, reason.strip())
    problems = candidate.problems()
    if problems:
        raise ReviewError("; ".join(problems).capitalize() + ".")
    return add_suppression(
        session,
        rule=candidate.rule,
        path_pattern=candidate.path_pattern,
        content_hash=content_hash,
        reason=candidate.why,
        created_by=identity.email,
        package_name=submission.package_name,
        source=f"review console, {submission.package_name} {submission.version}",
        now=now,
    )


def package_suppressions(session: Session, package_name: str) -> list[ScanSuppression]:
    """The suppressions every scan of this package applies: its own and the global ones."""
    return active_suppressions(session, package_name)


def revoke(session: Session, suppression_id: int, identity: Identity) -> ScanSuppression:
    """Revoke a suppression (audited ``suppression.revoke``); the sensor rescans every submission."""
    _require_reviewer(session, identity)
    try:
        return revoke_suppression(session, suppression_id, identity.email)
    except ReviewStateError as exc:
        raise ReviewError(str(exc)) from None


def _require_reviewer(session: Session, identity: Identity) -> None:
    """The caller's role, and the account's role now, in the transaction that writes: a reviewer demoted
    or disabled after the page run began cannot take or decide (issue 11, finding 4)."""
    if identity.role not in REVIEWER_ROLES:
        raise ReviewError(f"The {identity.role} role may not review packages.")
    current = live_identity(session, identity.email)
    if current is None or current.role not in REVIEWER_ROLES:
        now = "is disabled" if current is None else f"is {current.role} now"
        raise ReviewError(f"{identity.email} {now} and may not review packages.")
