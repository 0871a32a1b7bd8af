"""Stored suppressions apply to every submission scan, rescans included (issue 15 item 7): a new
suppression changes the sensor's run key, so every submission is rescanned with it, and the finding shows
as suppressed in the stored report; a reviewer's open question survives the rescan. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from atom.opdb import Submission, make_engine, session_scope
from atom.opdb.reviews import add_suppression, request_info, revoke_suppression
from atom.settings import reset_settings_cache
from governance.findings import line_hash
from ingest.review import scan_submission, submissions_to_scan
from orchestration.defs.governance import new_submissions_sensor
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

FLAGGED = "exec(base64.b64decode(ctx['code']))"
STEP = f"import base64\n\n\ndef run(ctx):\n    {FLAGGED}\n"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opdb_url: str | None) -> Iterator[World]:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    reset_settings_cache()
    yield seed_world(make_settings(tmp_path / "home"))
    reset_settings_cache()


def publish(world: World, version: str) -> str:
    members = {"wpk.toml": manifest(version=version), "workflow.yaml": "steps: []\n", "steps/post.py": STEP}
    with make_client(world.settings) as client:
        register_key(client, world, "acme")
        response = upload(client, world, build_wpk(members))
    assert response.status_code == 202, response.text
    return str(response.json()["submission_id"])


def run_keys(world: World) -> set[str]:
    resources = {"operational_db": OperationalDBResource(database_url=world.settings.database_url)}
    with dg.build_sensor_context(resources=resources) as context:
        result = new_submissions_sensor(context)
    return {r.run_key for r in result} if isinstance(result, list) else set()


def session(world: World):  # type: ignore[no-untyped-def]
    return session_scope(make_engine(world.settings.database_url))


def test_a_new_suppression_rescans_every_submission_and_the_finding_shows_as_suppressed(world: World) -> None:
    first = publish(world, "1.0.0")
    with session(world) as s:
        scan_submission(s, world.settings, first)
    with session(world) as s:
        request_info(s, first, "rita@atom.test", "What runs here?")
        assert submissions_to_scan(s) == []
    assert run_keys(world) == set()

    with session(world) as s:
        row = add_suppression(
            s, rule="exec-base64", path_pattern="steps/*.py", content_hash=line_hash(FLAGGED),
            reason="Templates our users write, reviewed.", created_by="rita@atom.test", package_name="slack-notify",
        )  # fmt: skip
    [key] = run_keys(world)
    assert key.startswith(f"{first}@") and key != f"{first}@none"

    with session(world) as s:
        assert submissions_to_scan(s) == [first]
        scan_submission(s, world.settings, first)
    with session(world) as s:
        sub = s.get(Submission, first)
        assert sub is not None and sub.report_json is not None
        report = json.loads(sub.report_json)
        assert sub.status == "info_requested", "a rescan leaves a reviewer's open question in place"
        assert submissions_to_scan(s) == []
    assert "exec-base64" not in {f["rule"] for f in report["findings"]}
    [entry] = report["suppressed"]
    assert (entry["rule"], entry["suppressed_by"]) == ("exec-base64", "rita@atom.test")

    # A later version is covered at its first scan; revoking rescans again and the finding comes back.
    second = publish(world, "1.1.0")
    with session(world) as s:
        scan_submission(s, world.settings, second)
        assert json.loads(s.get(Submission, second).report_json)["suppressed"]  # type: ignore[union-attr, arg-type]
    with session(world) as s:
        revoke_suppression(s, row.id, "rita@atom.test")
    with session(world) as s:
        assert sorted(submissions_to_scan(s)) == sorted([first, second])
        scan_submission(s, world.settings, second)
        assert json.loads(s.get(Submission, second).report_json)["suppressed"] == []  # type: ignore[union-attr, arg-type]


def test_a_stale_suppression_is_skipped_and_does_not_stop_the_scans(world: World) -> None:
    """A rule that left the rule set makes its stored suppressions invalid; the scanner would refuse them."""
    first = publish(world, "1.0.0")
    with session(world) as s:
        add_suppression(
            s, rule="rule-that-was-retired", path_pattern="*", content_hash="*",
            reason="Reviewed under the old rule set.", created_by="rita@atom.test", package_name=None,
        )  # fmt: skip
    with session(world) as s:
        outcome = scan_submission(s, world.settings, first)
    assert outcome.status == "in_review"
