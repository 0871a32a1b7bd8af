"""decided_at in the operational DB and the copy of submissions, findings and policies into the warehouse."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
from sqlalchemy import select

from atom.opdb import Submission, make_engine, record_submission_outcome, session_scope
from ingest.operational import copy_operational_tables
from tests.governance_marts.conftest import report


def decided_at(url: str, submission_id: str) -> datetime | None:
    with session_scope(make_engine(url)) as s:
        return s.scalars(select(Submission.decided_at).where(Submission.id == submission_id)).one()


def test_an_automated_approval_stamps_decided_at_at_the_scan(database_url: str) -> None:
    assert decided_at(database_url, "sub_auto") == datetime(2026, 3, 9, 9, 30)


def test_a_reviewer_decision_stamps_decided_at_when_it_is_made(database_url: str) -> None:
    assert decided_at(database_url, "sub_human") == datetime(2026, 3, 11, 14, 0)


def test_waiting_submissions_have_no_decided_at(database_url: str) -> None:
    assert decided_at(database_url, "sub_late") is None
    assert decided_at(database_url, "sub_weekend") is None


def test_a_rescan_back_to_review_clears_decided_at(database_url: str) -> None:
    assert decided_at(database_url, "sub_rescanned") is None


def test_a_rescan_that_keeps_a_reviewers_approval_keeps_its_decided_at(database_url: str) -> None:
    with session_scope(make_engine(database_url)) as s:
        record_submission_outcome(
            s,
            "sub_human",
            status="approved",
            decision="review",
            report=report("review", 0.6, [], []),
            risk_score=0.6,
            now=datetime(2026, 3, 12, 8, 0),
        )
    assert decided_at(database_url, "sub_human") == datetime(2026, 3, 11, 14, 0)


def test_copy_explodes_findings_and_policies_from_the_latest_report(
    tmp_path: Path, database_url: str
) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    counts = copy_operational_tables(conn, database_url)
    assert counts["operational_submissions"] == 6
    # sub_rescanned's first report (one finding) was replaced by its rescan (two findings).
    assert conn.execute(
        "select finding_number, rule, category, severity, confidence, file, line "
        "from raw.operational_submission_findings where submission_id = 'sub_rescanned' order by 1"
    ).fetchall() == [
        (1, "net-undeclared", "network", "low", "high", "steps/post.py", 1),
        (2, "secret-hardcoded", "secrets", "high", "high", "steps/post.py", 1),
    ]
    assert conn.execute(
        "select policy_id, policy_name, status from raw.operational_submission_policies "
        "where submission_id = 'sub_rescanned' order by 1"
    ).fetchall() == [("P-2", "Secrets and signing", "fail"), ("P-3", "Execution safety", "pass")]
    assert counts["operational_submission_findings"] == 5
    assert counts["operational_submission_policies"] == 6


def test_copy_keeps_risk_score_exact_and_the_outcome_timestamps(tmp_path: Path, database_url: str) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    copy_operational_tables(conn, database_url)
    assert conn.execute(
        "select status, decision, risk_score, rules_version, scanned_at, decided_at, reviewed_by "
        "from raw.operational_submissions where submission_id = 'sub_human'"
    ).fetchone() == (
        "approved",
        "review",
        Decimal("0.610000"),
        "2026.03",
        datetime(2026, 3, 10, 8, 5),
        datetime(2026, 3, 11, 14, 0),
        "reviewer@atom.test",
    )
    assert conn.execute(
        "select status, decision, risk_score, scanned_at, decided_at "
        "from raw.operational_submissions where submission_id = 'sub_weekend'"
    ).fetchone() == ("pending_scan", None, None, None, None)
