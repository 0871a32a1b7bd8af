"""Governance of submissions: scan what publishers upload and record the automated decision.

The scanner (``governance/``) is a pure library; this module is the seam between it, the artifact store
and the operational DB. The Dagster sensor in ``orchestration/defs/governance.py`` calls it for each new
submission and again for every submission when the rule set's version changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from atom.artifacts import read_artifact
from atom.opdb.registry import PublisherKey, Submission, record_submission_outcome
from atom.opdb.reviews import INFO_REQUESTED, ScanSuppression, active_suppressions, suppressions_version
from atom.settings import Settings
from governance import RULES_VERSION, ScanSettings, Suppression, scan_bytes
from governance.signatures import verify_with_any

# What the automated decision does to a submission's status.
STATUS_FOR_DECISION = {"approve": "approved", "review": "in_review", "reject": "rejected"}


@dataclass(frozen=True)
class ScanOutcome:
    submission_id: str
    status: str
    decision: str
    risk_score: float
    findings: int


def scan_settings(settings: Settings, *, require_signature: bool = True) -> ScanSettings:
    """The scanner's thresholds from the platform's settings. Submissions must be signed; a local
    ``atom scan`` of a directory has nothing to verify, so it passes ``require_signature=False``."""
    return ScanSettings(
        review_threshold=settings.atom_review_threshold,
        reject_threshold=settings.atom_reject_threshold,
        require_signature=require_signature,
    )


def scan_version(session: Session) -> str:
    """What a scan depends on besides the package: the rule set and the stored suppressions."""
    return f"{RULES_VERSION}+{suppressions_version(session)}"


def submissions_to_scan(session: Session) -> list[str]:
    """New submissions, and scanned ones whose report predates the current rule set or suppressions."""
    rows = session.execute(select(Submission.id, Submission.status, Submission.report_json)).all()
    suppressions = suppressions_version(session)
    due = []
    for submission_id, status, report_json in rows:
        report = json.loads(report_json) if report_json else None
        if status == "pending_scan" or (
            report is not None
            and (
                report.get("rules_version") != RULES_VERSION
                or report.get("suppressions_version", "none") != suppressions
            )
        ):
            due.append(submission_id)
    return sorted(due)


def as_suppressions(rows: list[ScanSuppression]) -> list[Suppression]:
    """Stored suppressions (atom.opdb.reviews) as the scanner's :class:`Suppression`.

    One that no longer holds (its rule left the rule set) is skipped, not raised: the scanner refuses an
    invalid suppression, and one stale row must not stop every scan. It stays in the DB and the audit log.
    """
    suppressions = [
        Suppression(
            r.path_pattern,
            r.rule,
            r.content_hash,
            r.created_by,
            r.reason,
            r.created_at.isoformat(timespec="seconds"),
        )
        for r in rows
    ]
    return [s for s in suppressions if not s.problems()]


def scan_submission(session: Session, settings: Settings, submission_id: str) -> ScanOutcome:
    """Scan one stored submission against its publisher's registered keys and record the decision.

    A first scan applies the decision. A rescan (a new rule set) never publishes or unpublishes on its
    own: a package that was approved and now scores worse goes back to a reviewer (``in_review``); a
    human decision already taken stays.
    """
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise KeyError(f"no submission {submission_id!r}")
    data = read_artifact(settings.artifacts_dir, submission.sha256)
    keys = session.scalars(
        select(PublisherKey.public_key_pem).where(
            PublisherKey.publisher_id == submission.publisher_id, PublisherKey.revoked_at.is_(None)
        )
    ).all()
    signature = verify_with_any(data, submission.signature, keys)
    report = scan_bytes(
        data,
        f"{submission.package_name}-{submission.version}.wpk",
        settings=scan_settings(settings),
        signature_result=signature,
        suppressions=as_suppressions(active_suppressions(session, submission.package_name)),
    )
    document = report.to_dict()
    document["suppressions_version"] = suppressions_version(session)
    status = _next_status(submission, document["decision"])
    record_submission_outcome(
        session,
        submission_id,
        status=status,
        decision=document["decision"],
        report=document,
        risk_score=document["risk_score"],
    )
    return ScanOutcome(
        submission_id, status, document["decision"], document["risk_score"], len(document["findings"])
    )


def _next_status(submission: Submission, decision: str) -> str:
    automated = STATUS_FOR_DECISION[decision]
    if submission.status == "pending_scan":
        return automated
    if submission.reviewed_by:  # a reviewer decided; a rescan informs them but does not overrule them
        return submission.status
    if submission.status == INFO_REQUESTED and automated != "rejected":
        return submission.status  # a reviewer's question waits for its answer
    if submission.status == "approved" and automated != "approved":
        return "in_review"
    return submission.status if automated == "approved" else automated
