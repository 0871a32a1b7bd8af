"""``atom scan --suppress`` (issue 15 item 7): a reviewed suppression stored in the operational DB, audited,
applied by every later scan and shown as suppressed, never dropped. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from atom.opdb import AuditLog, make_engine, session_scope
from atom.opdb.reviews import ScanSuppression
from atom.settings import get_settings, reset_settings_cache
from cli import governance
from governance.findings import line_hash
from tests.governance.conftest import MANIFEST

app = typer.Typer()
app.command()(governance.scan)
app.command()(governance.verify)

FLAGGED = "exec(base64.b64decode('cHJpbnQoMSk='))"
REASON = "Decodes a constant our build writes; reviewed by the platform team."


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opdb_url: str | None) -> Iterator[Path]:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()


def package(root: Path, step: str = FLAGGED) -> Path:
    directory = root / "pkg"
    (directory / "steps").mkdir(parents=True, exist_ok=True)
    (directory / "wpk.toml").write_text(MANIFEST)
    (directory / "steps" / "post.py").write_text(f"import base64\n\n\ndef run(ctx):\n    {step}\n")
    return directory


def scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["scan", *args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else {}, result.stderr


def test_suppress_stores_the_reviewed_exception_and_every_later_scan_reports_it_as_suppressed(
    home: Path,
) -> None:
    directory = package(home)
    code, before, _ = scan(str(directory))
    assert code == 0 and any(f["rule"] == "exec-base64" for f in before["findings"])

    code, report, stderr = scan(
        str(directory),
        "--suppress",
        "exec-base64:steps/post.py:5",
        "--reason",
        REASON,
        "--by",
        "rita@atom.test",
    )
    assert code == 0, stderr
    assert "stored suppression" in stderr
    assert "exec-base64" not in {f["rule"] for f in report["findings"]}
    [entry] = [s for s in report["suppressed"] if s["rule"] == "exec-base64"]
    assert (entry["file"], entry["line"], entry["suppressed_by"], entry["reason"]) == (
        "steps/post.py", 5, "rita@atom.test", REASON,
    )  # fmt: skip

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            [row] = session.scalars(select(ScanSuppression)).all()
            audit = session.scalars(select(AuditLog).where(AuditLog.action == "suppression.create")).one()
    finally:
        engine.dispose()
    name = before["manifest"]["name"]
    assert (row.package_name, row.rule, row.path_pattern, row.content_hash) == (
        name, "exec-base64", "steps/post.py", line_hash(FLAGGED),
    )  # fmt: skip
    assert (
        audit.actor == "rita@atom.test" and json.loads(audit.details_json)["source"] == "atom scan --suppress"
    )

    # Stored: a plain scan applies it; a changed line is a new finding again.
    code, again, _ = scan(str(directory))
    assert [s["rule"] for s in again["suppressed"]] == ["exec-base64"]
    package(home, step="exec(base64.b64decode(ctx['code']))")
    code, changed, _ = scan(str(directory))
    assert "exec-base64" in {f["rule"] for f in changed["findings"]} and changed["suppressed"] == []


def test_suppress_refuses_a_finding_the_scan_does_not_have_or_a_missing_reason(home: Path) -> None:
    directory = package(home)
    code, _, stderr = scan(str(directory), "--suppress", "exec-base64:steps/post.py:2", "--reason", REASON,
                           "--by", "rita@atom.test")  # fmt: skip
    assert code == 2 and "no exec-base64 finding at steps/post.py:2" in stderr
    code, _, stderr = scan(
        str(directory), "--suppress", "exec-base64:steps/post.py:5", "--by", "rita@atom.test"
    )
    assert code == 2 and "--reason" in stderr
    code, _, stderr = scan(str(directory), "--suppress", "no-such-rule:steps/*.py", "--reason", REASON,
                           "--by", "rita@atom.test")  # fmt: skip
    assert code == 2 and "unknown rule" in stderr


def test_scan_help_explains_suppress() -> None:
    result = CliRunner().invoke(app, ["scan", "--help"])
    assert result.exit_code == 0
    for option in ("--suppress", "--reason", "--by", "--package"):
        assert option in result.stdout
