"""The demo's package submissions: real signed uploads through the publishing path, each kind of release
getting the scanner's expected outcome."""

from __future__ import annotations

from pathlib import Path

from atom.artifacts import read_artifact
from atom.opdb import make_engine, session_scope
from atom.opdb.registry import Submission
from ingest.review import scan_submission
from ingest.synthetic.submissions import KINDS, build_wpk, next_minor, seed_submissions

from .conftest import run_generate

EXPECTED_STATUS = {
    "honest": "approved",
    "undeclared": "in_review",
    "obfuscated": "in_review",
    "stealer": "rejected",
}


def test_each_kind_of_demo_release_gets_its_automated_outcome(tmp_path: Path) -> None:
    settings = run_generate(tmp_path / "home").settings
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            created = seed_submissions(session, settings.artifacts_dir, count=8, seed=3)
        with session_scope(engine) as session:
            outcomes = {item.kind: [] for item in created}
            for item in created:
                outcomes[item.kind].append(scan_submission(session, settings, item.submission_id).status)
            stored = [session.get(Submission, item.submission_id) for item in created]
    finally:
        engine.dispose()

    assert set(outcomes) == set(KINDS), "even a small demo shows every kind of release"
    for kind, statuses in outcomes.items():
        assert set(statuses) == {EXPECTED_STATUS[kind]}, kind
    assert len({(s.package_id, s.version) for s in stored if s}) == len(created), "new versions only"
    for submission in stored:
        assert submission is not None and submission.report_json
        assert read_artifact(settings.artifacts_dir, submission.sha256)[:2] == b"PK"


def test_archives_are_reproducible_and_versions_bump_the_minor() -> None:
    files = {"wpk.toml": "x", "steps/a.py": "print(1)\n"}
    assert build_wpk(files) == build_wpk(dict(reversed(files.items())))
    assert next_minor(["1.0.0", "1.10.2", "1.9.0"]) == "1.11.0"
    assert next_minor(["0.9.0", "not-a-version"]) == "0.10.0"
