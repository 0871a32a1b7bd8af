"""An operational DB with a handful of submissions at known moments, the input of the governance marts.

The week of Monday 2026-03-09 is the stage; the marts are measured "as of" Friday 2026-03-13 12:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from atom.opdb import (
    Package,
    Publisher,
    PublisherKey,
    Submission,
    make_engine,
    migrate,
    record_submission_outcome,
    session_scope,
)

AS_OF = datetime(2026, 3, 13, 12, 0)
PACKAGE_ID = "pkg_slack_notify"


def finding(
    rule: str, category: str, severity: str, file: str = "steps/post.py", line: int = 1
) -> dict[str, Any]:
    return {
        "rule": rule,
        "category": category,
        "severity": severity,
        "confidence": "high",
        "file": file,
        "line": line,
        "message": f"{rule} found",
        "recommendation": "remove it",
    }


def policy(policy_id: str, status: str, finding_rules: list[str] | None = None) -> dict[str, Any]:
    names = {"P-2": "Secrets and signing", "P-3": "Execution safety"}
    return {"id": policy_id, "name": names[policy_id], "status": status, "finding_rules": finding_rules or []}


def report(
    decision: str, risk_score: float, findings: list[dict[str, Any]], policies: list[dict[str, Any]]
) -> dict[str, Any]:
    """A governance report in the shape of DESIGN 3.6."""
    return {
        "target": "slack-notify.wpk",
        "sha256": "ab" * 32,
        "risk_score": risk_score,
        "decision": decision,
        "rules_version": "2026.03",
        "signature": {"status": "valid", "key_id": "key_acme"},
        "findings": findings,
        "policies": policies,
    }


def add_submission(session: Any, submission_id: str, version: str, submitted_at: datetime) -> None:
    session.add(
        Submission(
            id=submission_id,
            publisher_id="pub_acme",
            package_id=PACKAGE_ID,
            package_name="slack-notify",
            version=version,
            sha256="ab" * 32,
            size_bytes=1024,
            artifact_path=f"artifacts/{submission_id}.wpk",
            signature="c2ln",
            signing_key_id="key_acme",
            manifest_json="{}",
            status="pending_scan",
            submitted_at=submitted_at,
            submitted_by_key_id="apikey_acme",
        )
    )
    session.flush()


def scan(session: Any, submission_id: str, status: str, at: datetime, document: dict[str, Any]) -> None:
    record_submission_outcome(
        session,
        submission_id,
        status=status,
        decision=document["decision"],
        report=document,
        risk_score=document["risk_score"],
        now=at,
    )


def seed_submissions(url: str) -> None:
    """Six submissions: decided automatically, decided by a reviewer, waiting past due (one since a weekend,
    never scanned), waiting within its deadline, and sent back to review by a rescan."""
    clean = report("approve", 0.05, [finding("net-undeclared", "network", "low")], [policy("P-3", "pass")])
    with session_scope(make_engine(url)) as s:
        s.add(Publisher(id="pub_acme", name="Acme", created_at=datetime(2026, 1, 1)))
        s.add(
            Package(
                id=PACKAGE_ID,
                name="slack-notify",
                publisher_id="pub_acme",
                category="notifications",
                created_at=datetime(2026, 1, 2),
            )
        )
        s.add(
            PublisherKey(
                key_id="key_acme",
                publisher_id="pub_acme",
                public_key_pem="PEM",
                created_at=datetime(2026, 1, 2),
            )
        )
        s.flush()

        # Approved by the scanner half an hour after submission (Monday).
        add_submission(s, "sub_auto", "1.0.0", datetime(2026, 3, 9, 9, 0))
        scan(s, "sub_auto", "approved", datetime(2026, 3, 9, 9, 30), clean)

        # Queued by the scanner on Tuesday, approved by a reviewer on Wednesday 14:00: 30 hours.
        add_submission(s, "sub_human", "1.1.0", datetime(2026, 3, 10, 8, 0))
        risky = report(
            "review",
            0.61,
            [
                finding("exec-base64", "obfuscation", "high", line=12),
                finding("exec-base64", "obfuscation", "high", line=20),
            ],
            [policy("P-3", "fail", ["exec-base64"])],
        )
        scan(s, "sub_human", "in_review", datetime(2026, 3, 10, 8, 5), risky)
        record_submission_outcome(
            s,
            "sub_human",
            status="approved",
            reviewed_by="reviewer@atom.test",
            review_reason="Base64 decodes a static template.",
            now=datetime(2026, 3, 11, 14, 0),
        )

        # Friday 10:00 of the week before, still in review: due Wednesday 10:00, past due.
        add_submission(s, "sub_late", "1.2.0", datetime(2026, 3, 6, 10, 0))
        scan(
            s,
            "sub_late",
            "in_review",
            datetime(2026, 3, 6, 10, 5),
            report("review", 0.4, [], [policy("P-3", "warn")]),
        )

        # Saturday, never scanned: the clock starts Monday 00:00, due Thursday 00:00, past due.
        add_submission(s, "sub_weekend", "1.3.0", datetime(2026, 3, 7, 15, 0))

        # Thursday 09:00, in review: due next Tuesday 09:00, not past due.
        add_submission(s, "sub_fresh", "1.4.0", datetime(2026, 3, 12, 9, 0))
        scan(
            s,
            "sub_fresh",
            "in_review",
            datetime(2026, 3, 12, 9, 5),
            report("review", 0.3, [], [policy("P-3", "pass")]),
        )

        # Approved Monday, then a rescan on Wednesday finds a secret: back in review, undecided again.
        add_submission(s, "sub_rescanned", "1.5.0", datetime(2026, 3, 9, 10, 0))
        scan(s, "sub_rescanned", "approved", datetime(2026, 3, 9, 10, 10), clean)
        rescan = report(
            "review",
            0.55,
            [finding("net-undeclared", "network", "low"), finding("secret-hardcoded", "secrets", "high")],
            [policy("P-2", "fail", ["secret-hardcoded"]), policy("P-3", "pass")],
        )
        scan(s, "sub_rescanned", "in_review", datetime(2026, 3, 11, 10, 0), rescan)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'atom.db'}"
    migrate(url)
    seed_submissions(url)
    return url


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    """dbt runs once per module (tests/dbt/conftest.py run_dbt); its environment lasts as long."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch
