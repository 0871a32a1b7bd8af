"""The review console's logic, without Streamlit: the queue, why each entry is in it, the code around each
finding, the diff against the previous version, and the decision itself.

Due dates follow Mozilla AMO's reviewer tools: a submission waiting for a human is due a set number of
working days (Mon-Fri, ``ATOM_REVIEW_DUE_DAYS``, default 3) after it was submitted. The queue is ordered by
due date, then by risk, highest first.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atom.artifacts import read_artifact
from atom.opdb.models import PackageVersion
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
from governance.archive import Archive, ArchiveError, read_archive

QUEUED_STATUS = "in_review"
REVIEWER_ROLES = frozenset({"admin", "reviewer"})
DECISIONS = {"approve": "approved", "reject": "rejected"}
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


def queue_reasons(report: dict[str, Any], *, first_version: bool, returned_after_approval: bool) -> list[str]:
    """Why a human has to look, in words a reviewer acts on (AMO's NeedsHumanReview reasons, our set)."""
    reasons: list[str] = []
    if returned_after_approval:
        reasons.append("Rescanned with new rules after approval and scored worse")
    reasons += [f"Scanner: {text}" for text in report.get("decision_reasons", [])]
    decision = report.get("decision")
    risk = report.get("risk_score")
    if decision == "review" and risk is not None:
        reasons.append(f"Risk score {float(risk):.2f} between the review and reject thresholds")
    signature = (report.get("signature") or {}).get("status")
    if signature and signature != "valid":
        reasons.append(f"Signature {signature}")
    severe = [f for f in report.get("findings", []) if SEVERITY_RANK.get(f.get("severity", ""), 0) >= 3]
    if severe:
        rules = sorted({str(f.get("rule")) for f in severe})
        reasons.append(f"{len(severe)} high or critical finding(s): {', '.join(rules)}")
    failing = [p["id"] for p in report.get("policies", []) if p.get("status") == "fail"]
    if failing:
        reasons.append(f"Failing policies: {', '.join(failing)}")
    if first_version:
        reasons.append("First version of a new package")
    if not report:
        reasons.append("No governance report yet")
    return reasons or ["Sent to review by the scanner"]


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
    """Submissions waiting for a reviewer, due date first, then the riskiest first."""
    moment = now or utcnow()
    waiting = session.scalars(select(Submission).where(Submission.status == QUEUED_STATUS)).all()
    # A package's first version is one with no other version in the registry (a catalog version counts,
    # even when it never came through a submission).
    versions_of: dict[str, int] = {
        package_id: count
        for package_id, count in session.execute(
            select(PackageVersion.package_id, func.count()).group_by(PackageVersion.package_id)
        ).tuples()
    }
    locks = live_locks(session, moment)
    entries = []
    for sub in waiting:
        report = report_of(sub)
        audits = session.scalars(
            select(AuditLog.action).where(AuditLog.target_type == "submission", AuditLog.target_id == sub.id)
        ).all()
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
                        first_version=versions_of.get(sub.package_id, 0) <= 1,
                        returned_after_approval="review.approve" in audits,
                    )
                ),
                locked_by=locks[sub.id].locked_by if sub.id in locks else None,
            )
        )
    return sorted(entries, key=lambda e: (e.due_at, -(e.risk_score or 0.0), e.submitted_at))


def waiting_counts(session: Session, due_days: int, now: datetime | None = None) -> tuple[int, int]:
    """``(waiting, past_due)`` for the Overview tiles."""
    moment = now or utcnow()
    submitted = session.scalars(
        select(Submission.submitted_at).where(Submission.status == QUEUED_STATUS)
    ).all()
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
                    "detail": details.get("reason", ""),
                }
            )
    return sorted(events, key=lambda e: e["at"])


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
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise ReviewError(f"There is no submission {submission_id!r}.")
    if submission.status != QUEUED_STATUS:
        raise ReviewError(
            f"{submission.package_name} {submission.version} is {submission.status}, not waiting for review."
        )
    lock = current_lock(session, submission_id, now)
    if lock is None or lock.locked_by != identity.email:
        holder = f"{lock.locked_by} holds it" if lock is not None else "nobody holds it"
        raise ReviewError(f"Take the package before deciding ({holder}).")
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


def _require_reviewer(session: Session, identity: Identity) -> None:
    """The caller's role, and the account's role now, in the transaction that writes: a reviewer demoted
    or disabled after the page run began cannot take or decide (issue 11, finding 4)."""
    if identity.role not in REVIEWER_ROLES:
        raise ReviewError(f"The {identity.role} role may not review packages.")
    current = live_identity(session, identity.email)
    if current is None or current.role not in REVIEWER_ROLES:
        now = "is disabled" if current is None else f"is {current.role} now"
        raise ReviewError(f"{identity.email} {now} and may not review packages.")
