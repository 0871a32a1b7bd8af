"""The review console beyond approve and reject (decision 0053): ask the publisher, reject with a delay,
suppress a finding; each visible in the console and audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import review
from atom.clock import today
from atom.opdb import make_engine, session_scope
from atom.opdb.portal import Identity
from atom.opdb.registry import AuditLog, Submission
from atom.opdb.reviews import (
    DelayedRejection,
    InfoRequest,
    ScanSuppression,
    answer_info_request,
    apply_due_rejections,
)
from atom.settings import get_settings
from governance.findings import line_hash
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import ensure_account, run_as

QUEUED = "sub_2"
ALICE = Identity("alice@atom.test", "reviewer")


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    return portal_home


@pytest.fixture(autouse=True)
def _alice(portal_world: PortalHome) -> None:
    ensure_account(ALICE.email, ALICE.role)


def _session():  # type: ignore[no-untyped-def]
    return session_scope(make_engine(get_settings().database_url))


def _audit(action: str) -> list[AuditLog]:
    with _session() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _taken():  # type: ignore[no-untyped-def]
    at = run_as("reviewer", "review.py", email=ALICE.email)
    assert not at.exception
    at.button(key="review_take").click().run()
    return at


def test_a_reviewer_asks_the_publisher_and_the_answer_lands_in_the_history(portal_world: PortalHome) -> None:
    at = _taken()
    at.radio(key="review_decision").set_value("request_info").run()
    at.text_area(key="review_question").input("What does the decoded payload contain?").run()
    at.button(key="review_submit").click().run()
    assert not at.exception and not at.error

    with _session() as session:
        assert session.get(Submission, QUEUED).status == "info_requested"  # type: ignore[union-attr]
        [request] = session.scalars(select(InfoRequest)).all()
        assert (request.requested_by, request.answer) == (ALICE.email, None)
    [asked] = _audit("review.request_info")
    assert asked.actor == ALICE.email and "decoded payload" in json.loads(asked.details_json)["question"]

    at = run_as("reviewer", "review.py", email=ALICE.email)
    assert any("queue is empty" in s.value for s in at.success), "an asked package waits for the publisher"
    asked_table = next(d.value for d in at.dataframe if "Question" in d.value.columns)
    assert list(asked_table["Question"]) == ["What does the decoded payload contain?"]

    with _session() as session:  # what POST /v1/submissions/{id}/answers does (tests/api)
        answer_info_request(session, QUEUED, "A template our users write.", actor="publisher:pub_acme")

    at = run_as("reviewer", "review.py", email=ALICE.email)
    assert any(
        "The publisher answered the question" in m.value and "decoded payload contain" in m.value
        for m in at.markdown
    )
    history = next(d.value for d in at.dataframe if "Event" in d.value.columns)
    answer = history[history["Event"] == "submission.answer"].iloc[0]
    assert answer["By"] == "publisher:pub_acme" and "A: A template our users write." in answer["Detail"]


def test_asking_without_a_question_is_refused(portal_world: PortalHome) -> None:
    at = _taken()
    at.radio(key="review_decision").set_value("request_info").run()
    at.button(key="review_submit").click().run()
    assert any("Write the question" in e.value for e in at.error)
    with _session() as session:
        assert session.get(Submission, QUEUED).status == "in_review"  # type: ignore[union-attr]


def test_a_delayed_rejection_leaves_the_queue_and_takes_effect_on_its_day(portal_world: PortalHome) -> None:
    at = _taken()
    at.radio(key="review_decision").set_value("reject_later").run()
    at.number_input(key="review_delay_days").set_value(10).run()
    at.selectbox(key="review_canned_reject").select("Obfuscated or hidden code").run()
    at.button(key="review_submit").click().run()
    assert not at.exception and not at.error

    effective = today() + timedelta(days=10)
    with _session() as session:
        [rejection] = session.scalars(select(DelayedRejection)).all()
        assert (rejection.state, rejection.effective_on, rejection.scheduled_by) == (
            "pending",
            effective,
            ALICE.email,
        )
        assert session.get(Submission, QUEUED).status == "in_review"  # type: ignore[union-attr]
        assert review.review_queue(session, 3) == []
        assert review.waiting_counts(session, 3) == (0, 0)
    [scheduled] = _audit("review.reject_delayed")
    assert json.loads(scheduled.details_json)["effective_on"] == effective.isoformat()

    at = run_as("reviewer", "review.py", email=ALICE.email)
    table = next(d.value for d in at.dataframe if "Effective" in d.value.columns)
    assert list(table["Reason"]) == ["Obfuscated or hidden code"]

    with _session() as session:
        assert apply_due_rejections(session, effective - timedelta(days=1)) == []
    with _session() as session:
        apply_due_rejections(session, effective)
    with _session() as session:
        submission = session.get(Submission, QUEUED)
        assert submission is not None
        assert (submission.status, submission.reviewed_by) == ("rejected", ALICE.email)
    assert [a.actor for a in _audit("review.delayed_rejection_applied")] == ["governance"]


def test_a_delay_must_be_at_least_a_day(portal_world: PortalHome) -> None:
    with _session() as session:
        review.take(session, QUEUED, ALICE)
    with _session() as session, pytest.raises(review.ReviewError, match="1 to 90 days"):
        review.reject_later(session, QUEUED, ALICE, "Obfuscated", 0, date(2026, 12, 7))


def test_a_reviewer_suppresses_a_finding_for_its_exact_line(portal_world: PortalHome) -> None:
    at = run_as("reviewer", "review.py", email=ALICE.email)
    at.text_input(key="review_suppress_why_0").input("Decodes a constant written by our own build step.")
    at.button(key="FormSubmitter:review_suppress_0-Suppress").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    with _session() as session:
        [row] = session.scalars(select(ScanSuppression)).all()
        submission = session.get(Submission, QUEUED)
        assert submission is not None
        archive = review.load_archive(get_settings().artifacts_dir, submission)
    assert archive is not None
    flagged = archive.members["steps/post.py"].decode().splitlines()[6]
    assert (row.package_name, row.rule, row.path_pattern, row.created_by) == (
        "slack-notify",
        "exec-base64",
        "steps/post.py",
        ALICE.email,
    )
    assert row.content_hash == line_hash(flagged)
    [created] = _audit("suppression.create")
    assert created.target_id == str(row.id) and created.actor == ALICE.email


def test_a_suppression_without_a_reason_is_refused(portal_world: PortalHome) -> None:
    at = run_as("reviewer", "review.py", email=ALICE.email)
    at.text_input(key="review_suppress_why_0").input("ok")
    at.button(key="FormSubmitter:review_suppress_0-Suppress").click().run()
    assert any("why is too short" in e.value.lower() for e in at.error)
    with _session() as session:
        assert session.scalars(select(ScanSuppression)).all() == []


def test_a_reviewer_revokes_a_suppression_in_force(portal_world: PortalHome) -> None:
    at = run_as("reviewer", "review.py", email=ALICE.email)
    at.text_input(key="review_suppress_why_0").input("Decodes a constant written by our own build step.")
    at.button(key="FormSubmitter:review_suppress_0-Suppress").click().run()
    at = run_as("reviewer", "review.py", email=ALICE.email)
    in_force = next(d.value for d in at.dataframe if "Content" in d.value.columns)
    assert list(in_force["Rule"]) == ["exec-base64"] and list(in_force["Content"]) == ["that line"]

    at.button(key="review_revoke").click().run()
    assert not at.exception and not at.error
    with _session() as session:
        [row] = session.scalars(select(ScanSuppression)).all()
        assert (row.revoked_by, row.revoked_at is not None) == (ALICE.email, True)
    [revoked] = _audit("suppression.revoke")
    assert revoked.target_id == str(row.id) and revoked.actor == ALICE.email
