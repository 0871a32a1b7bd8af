"""The reviewer's side through the real API (issue 16 item 5, decision 0053): a question the publisher
answers with POST /v1/submissions/{id}/answers, the reasons a submission waits for a human in
GET /v1/submissions/{id}, and a delayed rejection that a fixed version cancels. Against uvicorn on
127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
from sqlalchemy import select

from atom.opdb import AuditLog, Submission, make_engine, session_scope
from atom.opdb.reviews import apply_due_rejections, request_info, schedule_rejection
from ingest.review import scan_submission
from tests.api.conftest import LiveServer, World, build_wpk, manifest, register_key, upload

RISKY_STEP = "import base64\n\n\ndef run(ctx):\n    exec(base64.b64decode(ctx['code']))\n"
TODAY = date(2026, 12, 7)


def risky_wpk(version: str = "1.2.0") -> bytes:
    return build_wpk(
        {
            "wpk.toml": manifest(version=version),
            "workflow.yaml": "steps:\n  - run: steps/post.py\n",
            "steps/post.py": RISKY_STEP,
        }
    )


def publish_and_scan(http: httpx.Client, world: World, version: str = "1.2.0") -> str:
    response = upload(http, world, risky_wpk(version))
    assert response.status_code == 202, response.text
    submission_id = str(response.json()["submission_id"])
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            outcome = scan_submission(session, world.settings, submission_id)
    finally:
        engine.dispose()
    assert outcome.status == "in_review", outcome
    return submission_id


def db(world: World):  # type: ignore[no-untyped-def]
    return session_scope(make_engine(world.settings.database_url))


def audit_actions(world: World, submission_id: str) -> list[tuple[str, str, str | None]]:
    with db(world) as session:
        return [
            (row.action, row.actor, row.api_key_id)
            for row in session.scalars(
                select(AuditLog).where(AuditLog.target_id == submission_id).order_by(AuditLog.id)
            )
        ]


def test_a_queued_submission_says_which_threshold_rules_and_policies_sent_it_to_a_human(
    live: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live.url) as http:
        assert register_key(http, world, "acme").status_code == 201
        submission_id = publish_and_scan(http, world)
        body = http.get(f"/v1/submissions/{submission_id}", headers=world.auth("acme")).json()

    assert body["status"] == "in_review"
    reasons = {(r["kind"], r["code"]) for r in body["queue_reasons"]}
    assert ("rule", "exec-base64") in reasons, body["queue_reasons"]
    assert any(kind == "threshold" for kind, _ in reasons) or any(kind == "policy" for kind, _ in reasons)
    rule_line = next(r["text"] for r in body["queue_reasons"] if r["code"] == "exec-base64")
    assert "steps/post.py:5" in rule_line
    assert body["report"]["thresholds"]["review"] == world.settings.atom_review_threshold
    assert body["info_requests"] == [] and body["scheduled_rejection"] is None


def test_the_publisher_answers_a_reviewers_question_and_the_submission_goes_back_to_review(
    live: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live.url) as http:
        assert register_key(http, world, "acme").status_code == 201
        submission_id = publish_and_scan(http, world)
        url = f"/v1/submissions/{submission_id}/answers"
        early = http.post(url, headers=world.auth("acme"), json={"answer": "nobody asked yet"})
        assert early.status_code == 409 and early.json()["reason"] == "no_open_question"

        with db(world) as session:
            request_info(
                session, submission_id, "rita@reviewers.test", "Why does the step exec decoded input?"
            )
        waiting = http.get(f"/v1/submissions/{submission_id}", headers=world.auth("acme")).json()
        assert waiting["status"] == "info_requested"
        assert [q["question"] for q in waiting["info_requests"]] == ["Why does the step exec decoded input?"]
        assert waiting["info_requests"][0]["answer"] is None

        assert http.post(url, headers=world.auth("beta"), json={"answer": "not mine"}).status_code == 403
        assert http.post(url, headers=world.auth("acme"), json={"answer": "   "}).status_code == 409
        answered = http.post(
            url, headers=world.auth("acme"), json={"answer": "It runs templates our users write; see docs."}
        )
        assert answered.status_code == 201, answered.text
        assert answered.json()["status"] == "in_review"
        assert answered.json()["info_request"]["answer"] == "It runs templates our users write; see docs."

        again = http.post(url, headers=world.auth("acme"), json={"answer": "twice"})
        assert again.status_code == 409

        after = http.get(f"/v1/submissions/{submission_id}", headers=world.auth("acme")).json()
        assert after["status"] == "in_review" and after["info_requests"][0]["answered_at"] is not None
        assert any(r["code"] == "info-answered" for r in after["queue_reasons"])

    actions = audit_actions(world, submission_id)
    assert ("review.request_info", "rita@reviewers.test", None) in actions
    assert ("submission.answer", "publisher:acme", world.key_ids["acme"]) in actions
    with db(world) as session:
        answer = session.scalars(
            select(AuditLog).where(
                AuditLog.target_id == submission_id, AuditLog.action == "submission.answer"
            )
        ).one()
        assert json.loads(answer.details_json)["answer"].startswith("It runs templates")


def test_a_fixed_version_cancels_a_delayed_rejection_and_without_one_it_takes_effect(
    live: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live.url) as http:
        assert register_key(http, world, "acme").status_code == 201
        fixed_later = publish_and_scan(http, world, "1.2.0")
        with db(world) as session:
            schedule_rejection(session, fixed_later, "rita@reviewers.test", "Obfuscated code", 7, today=TODAY)
        body = http.get(f"/v1/submissions/{fixed_later}", headers=world.auth("acme")).json()
        assert body["status"] == "in_review"
        assert body["scheduled_rejection"]["effective_on"] == (TODAY + timedelta(days=7)).isoformat()

        # A lower version is no fix; a higher one is.
        assert upload(http, world, risky_wpk("1.1.9")).status_code == 202
        with db(world) as session:
            assert apply_due_rejections(session, TODAY + timedelta(days=6)) == []
        assert upload(http, world, risky_wpk("1.2.1")).status_code == 202
        cancelled = http.get(f"/v1/submissions/{fixed_later}", headers=world.auth("acme")).json()
        assert cancelled["scheduled_rejection"] is None
        assert any(r["code"] == "rejection-cancelled" for r in cancelled["queue_reasons"])

        never_fixed = publish_and_scan(http, world, "2.0.0")
        with db(world) as session:
            schedule_rejection(session, never_fixed, "rita@reviewers.test", "Obfuscated code", 3, today=TODAY)
        with db(world) as session:
            assert apply_due_rejections(session, TODAY + timedelta(days=2)) == []
        with db(world) as session:
            [outcome] = apply_due_rejections(session, TODAY + timedelta(days=3))
        assert (outcome.submission_id, outcome.state) == (never_fixed, "applied")
        rejected = http.get(f"/v1/submissions/{never_fixed}", headers=world.auth("acme")).json()
        assert (rejected["status"], rejected["review_reason"]) == ("rejected", "Obfuscated code")

    with db(world) as session:
        assert session.get(Submission, fixed_later).status == "in_review"  # type: ignore[union-attr]
    assert ("review.delayed_rejection_cancelled", "publisher:acme", world.key_ids["acme"]) in audit_actions(
        world, fixed_later
    )
    actions = [a for a, _, _ in audit_actions(world, never_fixed)]
    assert actions[-2:] == ["review.reject_delayed", "review.delayed_rejection_applied"]
