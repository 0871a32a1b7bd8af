"""The hourly delayed-rejections job on the project's clock (ATOM_TODAY): nothing before the day, the
rejection on it, audited; its schedule is registered and running by default. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from atom.clock import today
from atom.opdb import AuditLog, Submission, make_engine, session_scope
from atom.opdb.reviews import DelayedRejection, schedule_rejection
from atom.settings import get_settings, reset_settings_cache
from ingest.review import scan_submission
from orchestration.defs.governance import defs, delayed_rejections_hourly, delayed_rejections_job
from orchestration.resources import OperationalDBResource
from tests.api.conftest import (
    World,
    build_wpk,
    make_client,
    make_settings,
    manifest,
    register_key,
    seed_world,
    upload,
)

STEP = "import base64\n\n\ndef run(ctx):\n    exec(base64.b64decode(ctx['code']))\n"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opdb_url: str | None) -> Iterator[World]:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOM_TODAY", "2026-12-07")
    reset_settings_cache()
    yield seed_world(make_settings(tmp_path / "home"))
    reset_settings_cache()


def run_job(world: World, monkeypatch: pytest.MonkeyPatch, day: str) -> int:
    monkeypatch.setenv("ATOM_TODAY", day)
    reset_settings_cache()
    result = delayed_rejections_job.execute_in_process(
        resources={"operational_db": OperationalDBResource(database_url=world.settings.database_url)}
    )
    assert result.success
    return int(result.output_for_node("apply_delayed_rejections"))


def test_the_job_rejects_on_the_pinned_day_and_not_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = {"wpk.toml": manifest(version="1.0.0"), "workflow.yaml": "steps: []\n", "steps/post.py": STEP}
    with make_client(world.settings) as client:
        register_key(client, world, "acme")
        submission_id = upload(client, world, build_wpk(members)).json()["submission_id"]
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            assert scan_submission(session, world.settings, submission_id).status == "in_review"
            assert today(get_settings()) == date(2026, 12, 7)
            schedule_rejection(session, submission_id, "rita@atom.test", "Obfuscated code", 3, today=today())

        assert run_job(world, monkeypatch, "2026-12-09") == 0
        with session_scope(engine) as session:
            assert session.get(Submission, submission_id).status == "in_review"  # type: ignore[union-attr]

        assert run_job(world, monkeypatch, "2026-12-10") == 1
        with session_scope(engine) as session:
            submission = session.get(Submission, submission_id)
            assert submission is not None and submission.status == "rejected"
            assert session.scalars(select(DelayedRejection.state)).one() == "applied"
            applied = session.scalars(
                select(AuditLog).where(AuditLog.action == "review.delayed_rejection_applied")
            ).one()
            assert applied.actor == "governance" and "2026-12-10" in applied.details_json
        assert run_job(world, monkeypatch, "2026-12-11") == 0, "applied once"
    finally:
        engine.dispose()


def test_the_schedule_runs_hourly_by_default() -> None:
    assert delayed_rejections_hourly.cron_schedule == "5 * * * *"
    assert delayed_rejections_hourly.default_status.value == "RUNNING"
    assert delayed_rejections_hourly in list(defs.schedules or [])
