"""The review console: due dates, why a package is queued, the lock, and decisions that reach the registry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import review
from atom.opdb import make_engine, session_scope
from atom.opdb.models import PackageVersion
from atom.opdb.portal import Identity, ReviewLockHeld, acquire_review_lock
from atom.opdb.registry import AuditLog, Submission
from atom.settings import get_settings
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import ensure_account, run_as


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    """The portal's operational-DB work, on SQLite and on PostgreSQL (tests/pg.py): the database is
    chosen before the home is seeded."""
    return portal_home


QUEUED = "sub_2"
ALICE = Identity("alice@atom.test", "reviewer")
BOB = Identity("bob@atom.test", "reviewer")


@pytest.fixture(autouse=True)
def _reviewer_accounts(request: pytest.FixtureRequest) -> None:
    """Alice and Bob have reviewer accounts: the write paths check the account's role in the database."""
    if "portal_world" in request.fixturenames:
        request.getfixturevalue("portal_world")
        for identity in (ALICE, BOB):
            ensure_account(identity.email, identity.role)


def _session():  # type: ignore[no-untyped-def]
    return session_scope(make_engine(get_settings().database_url))


def _actions(submission_id: str) -> list[tuple[str, str]]:
    with _session() as session:
        return [
            (e.actor, e.action)
            for e in session.scalars(
                select(AuditLog).where(AuditLog.target_id == submission_id).order_by(AuditLog.id)
            )
        ]


def test_due_date_counts_three_working_days_and_skips_the_weekend() -> None:
    thursday = datetime(2026, 11, 19, 15, 0)
    assert review.add_working_days(thursday, 3) == datetime(2026, 11, 24, 15, 0)  # Tue
    saturday = datetime(2026, 11, 21, 10, 0)
    assert review.add_working_days(saturday, 3) == datetime(2026, 11, 26, 0, 0)  # clock starts Monday 00:00


def test_queue_reasons_name_the_risk_the_findings_and_the_failing_policies() -> None:
    from tests.app.opdb_seed import risky_report

    reasons = review.queue_reasons(risky_report("1.1.0"), first_version=False, returned_after_approval=False)

    assert "Risk score 0.62 between the review and reject thresholds" in reasons
    assert "1 high or critical finding(s): exec-base64" in reasons
    assert "Failing policies: P-3" in reasons


def test_queue_orders_by_due_date_then_risk(portal_world: PortalHome) -> None:
    with _session() as session:
        older = session.get(Submission, QUEUED)
        assert older is not None
        newer = Submission(
            **{c.name: getattr(older, c.name) for c in Submission.__table__.columns}
            | {
                "id": "sub_3",
                "version": "1.2.0",
                "risk_score": 0.9,
                "submitted_at": older.submitted_at + timedelta(days=2),
            }
        )
        session.add(newer)
        same_day_riskier = Submission(
            **{c.name: getattr(older, c.name) for c in Submission.__table__.columns}
            | {"id": "sub_4", "version": "1.3.0", "risk_score": 0.95}
        )
        session.add(same_day_riskier)
    with _session() as session:
        queue = review.review_queue(session, due_days=3)

    assert [e.submission_id for e in queue] == ["sub_4", QUEUED, "sub_3"]
    assert all(e.due_at > e.submitted_at for e in queue)


def test_only_a_package_with_no_other_registry_version_is_called_a_first_version(
    portal_world: PortalHome,
) -> None:
    with _session() as session:
        (entry,) = review.review_queue(session, due_days=3)
        assert "First version of a new package" not in entry.reasons, "1.0.0 is in the registry already"
        session.query(PackageVersion).filter(PackageVersion.version == "1.0.0").delete()
    with _session() as session:
        (entry,) = review.review_queue(session, due_days=3)
    assert "First version of a new package" in entry.reasons


def test_a_reviewer_approves_through_the_console_and_the_registry_changes_at_once(
    portal_world: PortalHome,
) -> None:
    at = run_as("reviewer", "review.py", email=ALICE.email)
    assert not at.exception
    assert "Why queued" in at.dataframe[0].value.columns
    flagged = next(c.value for c in at.code if "> 7 |" in c.value)
    assert "exec(payload)" in flagged, "the code around the flagged line is shown"

    at.button(key="review_take").click().run()
    at.selectbox(key="review_canned_approve").select("Findings reviewed: false positives").run()
    at.text_area(key="review_note").input("exec only runs a constant in tests").run()
    at.button(key="review_submit").click().run()

    assert not at.exception and not at.error
    with _session() as session:
        submission = session.get(Submission, QUEUED)
        assert submission is not None
        version = session.scalars(
            select(PackageVersion).where(
                PackageVersion.package_id == "pkg_slack_notify", PackageVersion.version == "1.1.0"
            )
        ).one()
        assert (submission.status, version.status) == ("approved", "approved")
        assert submission.reviewed_by == ALICE.email
        assert (
            submission.review_reason
            == "Findings reviewed: false positives: exec only runs a constant in tests"
        )
        approval = session.scalars(select(AuditLog).where(AuditLog.action == "review.approve")).one()
        assert json.loads(approval.details_json)["reason"] == submission.review_reason
    assert _actions(QUEUED) == [(ALICE.email, "review.lock"), (ALICE.email, "review.approve")]
    assert any("queue is empty" in s.value for s in at.success)


def test_rejecting_without_a_reason_is_refused_and_nothing_changes(portal_world: PortalHome) -> None:
    at = run_as("reviewer", "review.py", email=ALICE.email)
    at.button(key="review_take").click().run()
    at.radio(key="review_decision").set_value("reject").run()
    at.button(key="review_submit").click().run()

    assert any("A reason is required" in e.value for e in at.error)
    with _session() as session:
        assert session.get(Submission, QUEUED).status == "in_review"  # type: ignore[union-attr]


def test_reject_with_a_canned_reason(portal_world: PortalHome) -> None:
    at = run_as("admin", "review.py", email="root@atom.test")
    at.button(key="review_take").click().run()
    at.radio(key="review_decision").set_value("reject").run()
    at.selectbox(key="review_canned_reject").select("Obfuscated or hidden code").run()
    at.button(key="review_submit").click().run()

    with _session() as session:
        submission = session.get(Submission, QUEUED)
        assert submission is not None
        assert (submission.status, submission.review_reason) == ("rejected", "Obfuscated or hidden code")


def test_a_package_taken_by_one_reviewer_cannot_be_taken_or_decided_by_another(
    portal_world: PortalHome,
) -> None:
    with _session() as session:
        review.take(session, QUEUED, ALICE)

    at = run_as("reviewer", "review.py", email=BOB.email)

    assert any(f"{ALICE.email} is reviewing this package" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key in ("review_take", "review_submit")]
    with _session() as session, pytest.raises(ReviewLockHeld, match=ALICE.email):
        review.take(session, QUEUED, BOB)
    with _session() as session, pytest.raises(review.ReviewError, match="Take the package"):
        review.decide(session, QUEUED, BOB, "approve", "looks fine")


def test_an_expired_lock_can_be_taken_over(portal_world: PortalHome) -> None:
    long_ago = datetime(2026, 1, 1, 9, 0)
    with _session() as session:
        acquire_review_lock(session, QUEUED, ALICE.email, now=long_ago)
    with _session() as session:
        lock = review.take(session, QUEUED, BOB)

    assert lock.locked_by == BOB.email


def test_finance_may_not_decide_even_through_the_library(portal_world: PortalHome) -> None:
    with _session() as session, pytest.raises(review.ReviewError, match="finance role may not review"):
        review.decide(session, QUEUED, Identity("f@atom.test", "finance"), "approve", "fine")


def test_diff_against_the_previous_version_lists_changed_files(portal_world: PortalHome) -> None:
    with _session() as session:
        current = session.get(Submission, QUEUED)
        assert current is not None
        previous = review.previous_submission(session, current)
        assert previous is not None and previous.version == "1.0.0"
        changes = {
            c.path: c.change
            for c in review.file_diff(
                review.load_archive(get_settings().artifacts_dir, previous),
                review.load_archive(get_settings().artifacts_dir, current),  # type: ignore[arg-type]
            )
        }
    assert changes == {"steps/post.py": "changed", "workflow.yaml": "unchanged", "wpk.toml": "changed"}


def test_history_lists_every_version_and_every_decision(portal_world: PortalHome) -> None:
    with _session() as session:
        review.take(session, QUEUED, ALICE)
    with _session() as session:
        review.decide(session, QUEUED, ALICE, "approve", "ok")
    with _session() as session:
        events = review.package_history(session, "pkg_slack_notify")

    assert [(e["version"], e["event"]) for e in events][-2:] == [
        ("1.1.0", "review.lock"),
        ("1.1.0", "review.approve"),
    ]
    assert [e["version"] for e in events if e["event"] == "submitted"] == ["1.0.0", "1.1.0"]


def test_a_reviewer_demoted_or_disabled_after_the_page_run_began_cannot_take_or_decide(
    portal_world: PortalHome,
) -> None:
    """The page's identity is read at the start of its run; the write checks the account again, in the
    transaction that writes."""
    from atom.opdb.portal import disable_user, set_role

    with _session() as session:
        review.take(session, QUEUED, ALICE)
    with _session() as session:
        set_role(session, ALICE.email, "analyst")
    with _session() as session, pytest.raises(review.ReviewError, match="is analyst now"):
        review.decide(session, QUEUED, ALICE, "approve", "looks fine")
    with _session() as session:
        disable_user(session, BOB.email)
    with _session() as session, pytest.raises(review.ReviewError, match="is disabled"):
        review.take(session, QUEUED, BOB)
    with _session() as session:
        assert session.get(Submission, QUEUED).status == "in_review"  # type: ignore[union-attr]
