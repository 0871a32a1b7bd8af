"""The governance marts built by dbt from a copied operational DB: time in queue, deadlines, findings, policies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from atom.opdb import migrate
from ingest.operational import copy_operational_tables
from tests.dbt.conftest import Warehouse, run_dbt
from tests.governance_marts.conftest import AS_OF, seed_submissions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, module_monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    work_dir: Path = tmp_path_factory.mktemp("governance_marts")
    url = f"sqlite:///{work_dir / 'atom.db'}"
    migrate(url)
    seed_submissions(url)
    wh = Warehouse.create(work_dir / "warehouse.duckdb")
    with duckdb.connect(str(wh.path)) as conn:
        copy_operational_tables(conn, url)
    run_dbt(
        wh,
        work_dir,
        command=("build", "--select", "+marts.governance"),
        dbt_vars={"governance_as_of": AS_OF.isoformat(sep=" ")},
        monkeypatch=module_monkeypatch,
    )
    return wh


@pytest.fixture(scope="module")
def submissions(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    return {row["submission_id"]: row for row in warehouse.rows("select * from marts.fct_submissions")}


def test_an_automated_approval_spent_half_an_hour_in_queue(submissions: dict[str, dict[str, Any]]) -> None:
    row = submissions["sub_auto"]
    assert row["hours_in_queue"] == Decimal("0.50")
    assert (row["is_decided"], row["is_human_decision"], row["is_past_due"]) == (True, False, False)
    assert row["risk_score"] == Decimal("0.050000")


def test_a_reviewers_approval_counts_to_the_moment_of_decision(
    submissions: dict[str, dict[str, Any]],
) -> None:
    row = submissions["sub_human"]
    assert row["decided_at"] == datetime(2026, 3, 11, 14, 0)
    assert row["hours_in_queue"] == Decimal("30.00")
    assert (row["status"], row["decision"], row["is_human_decision"]) == ("approved", "review", True)


def test_due_at_is_three_working_days_after_submission_skipping_the_weekend(
    submissions: dict[str, dict[str, Any]],
) -> None:
    assert submissions["sub_late"]["due_at"] == datetime(2026, 3, 11, 10, 0)  # Fri 10:00 -> Wed 10:00
    assert submissions["sub_auto"]["due_at"] == datetime(2026, 3, 12, 9, 0)  # Mon 09:00 -> Thu 09:00
    assert submissions["sub_fresh"]["due_at"] == datetime(2026, 3, 17, 9, 0)  # Thu 09:00 -> Tue 09:00
    # Submitted on a Saturday: the clock starts Monday 00:00.
    assert submissions["sub_weekend"]["due_at"] == datetime(2026, 3, 12, 0, 0)


def test_undecided_submissions_past_their_due_date_are_past_due(
    submissions: dict[str, dict[str, Any]],
) -> None:
    past_due = {sid for sid, row in submissions.items() if row["is_past_due"]}
    assert past_due == {"sub_late", "sub_weekend", "sub_rescanned"}
    # Still waiting: measured up to the as-of moment, Friday 2026-03-13 12:00.
    assert submissions["sub_late"]["hours_in_queue"] == Decimal("170.00")
    assert submissions["sub_fresh"]["hours_in_queue"] == Decimal("27.00")


def test_a_rescan_back_to_review_reopens_the_queue_clock(submissions: dict[str, dict[str, Any]]) -> None:
    row = submissions["sub_rescanned"]
    assert (row["status"], row["decided_at"], row["is_decided"]) == ("in_review", None, False)
    assert row["hours_in_queue"] == Decimal("98.00")


def test_findings_are_counted_per_submission_day_rule_and_severity(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select submitted_date, rule, category, severity, findings, submissions "
        "from marts.fct_findings_daily order by 1, 2"
    )
    assert rows == [
        {
            "submitted_date": date(2026, 3, 9),
            "rule": "net-undeclared",
            "category": "network",
            "severity": "low",
            "findings": 2,
            "submissions": 2,
        },
        {
            "submitted_date": date(2026, 3, 9),
            "rule": "secret-hardcoded",
            "category": "secrets",
            "severity": "high",
            "findings": 1,
            "submissions": 1,
        },
        {
            "submitted_date": date(2026, 3, 10),
            "rule": "exec-base64",
            "category": "obfuscation",
            "severity": "high",
            "findings": 2,
            "submissions": 1,
        },
    ]


def test_policy_results_are_counted_per_week_starting_monday(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select week_start_date, policy_id, policy_name, status, submissions "
        "from marts.fct_policy_results_weekly order by 1, 2, 4"
    )
    assert [tuple(row.values()) for row in rows] == [
        (date(2026, 3, 2), "P-3", "Execution safety", "warn", 1),
        (date(2026, 3, 9), "P-2", "Secrets and signing", "fail", 1),
        (date(2026, 3, 9), "P-3", "Execution safety", "fail", 1),
        (date(2026, 3, 9), "P-3", "Execution safety", "pass", 3),
    ]


def test_the_marts_due_date_is_the_review_consoles(submissions: dict[str, dict[str, Any]]) -> None:
    """Two implementations of one rule (SQL for the marts, Python for the live queue, which reads the
    operational DB): every submission gets the same deadline from both."""
    from app.review import add_working_days
    from atom.settings import Settings

    days = Settings().atom_review_due_days
    assert len(submissions) >= 4
    for row in submissions.values():
        assert row["due_at"] == add_working_days(row["submitted_at"], days), row["submission_id"]
