"""`atom price-book publish` (DESIGN 3.7) and the uninitialised-home check of every command that needs a
home (issue 15 item 1). `atom init` itself runs in tests/operator/test_first_months.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field
from sqlalchemy import select
from typer.testing import CliRunner

from atom.opdb import AuditLog, PriceBookVersion, make_engine, migrate, session_scope
from atom.settings import get_settings, reset_settings_cache
from cli.main import app

runner = CliRunner()
BOOK = """\
currency: usd
metrics:
  workflow_runs: {aggregation: count}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
plans:
  - {id: team, amount: "49"}
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    reset_settings_cache()
    yield tmp_path / "home"
    reset_settings_cache()


@pytest.mark.parametrize(
    "args",
    [
        ["ingest"],
        ["build"],
        ["billing", "run", "--period", "2026-10"],
        ["billing", "invoices", "--period", "2026-10"],
        ["price-book", "publish", "book.yaml", "--effective-from", "2026-10"],
        ["keys", "create", "--role", "admin", "--subject", "ops"],
        ["serve"],
    ],
)
def test_a_command_in_an_uninitialised_home_says_so_and_what_to_run(home: Path, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "is not an initialised ATOM home" in result.output and "atom init" in result.output
    assert not (home / "atom.db").exists()  # nothing was created on the way


def test_help_works_anywhere(home: Path) -> None:
    for args in (["ingest", "--help"], ["price-book", "publish", "--help"], ["billing", "preview", "--help"]):
        assert runner.invoke(app, args).exit_code == 0, args


def test_publish_stores_an_audited_version_and_lists_every_problem_of_a_bad_one(
    home: Path, tmp_path: Path
) -> None:
    migrate(get_settings().database_url)
    good = tmp_path / "book.yaml"
    good.write_text(BOOK)
    result = runner.invoke(app, ["price-book", "publish", str(good), "--effective-from", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "published" in result.output and "from 2026-11" in result.output

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BOOK.replace("metric: workflow_runs,", "metric: workflow_runz,").replace(
            'amount: "49"', 'amount: "-1"'
        )
    )
    refused = runner.invoke(app, ["price-book", "publish", str(bad), "--effective-from", "2026-12"])
    assert refused.exit_code == 2
    assert "unknown metric 'workflow_runz'" in refused.output and "must not be negative" in refused.output
    assert (
        runner.invoke(app, ["price-book", "publish", str(good), "--effective-from", "26-12"]).exit_code == 2
    )

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            versions = [
                (v.effective_from, v.created_by, v.yaml_text)
                for v in session.scalars(select(PriceBookVersion))
            ]
            audit = session.scalars(select(AuditLog).where(AuditLog.action == "price_book.publish")).all()
            entries = [(a.actor, a.target_id, json.loads(a.details_json)["plans"]) for a in audit]
    finally:
        engine.dispose()
    assert versions == [("2026-11", "cli", BOOK)]
    assert entries == [("cli", "2026-11", ["team"])]


def test_a_setting_that_cannot_be_used_is_named_with_what_it_accepts(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATOM_ENGINE", "sparks")
    monkeypatch.setenv("ATOM_EVENT_MAX_AGE_DAYS", "0")
    monkeypatch.setenv("ATOM_TODAY", "2026-13-01")
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.splitlines()
    assert lines[0] == "error: invalid setting(s) in the environment:"
    assert "  ATOM_ENGINE='sparks': Input should be 'duckdb' or 'spark'" in lines
    assert any(
        line.startswith("  ATOM_EVENT_MAX_AGE_DAYS='0': Input should be greater than or equal to 1")
        for line in lines
    )
    assert any(line.startswith("  ATOM_TODAY='2026-13-01': Input should be a valid date") for line in lines)
    # Help needs no settings (the real command: the check reads the process's command line).
    shown = subprocess.run(
        [str(Path(sys.executable).with_name("atom")), "build", "--help"],
        env={**os.environ, "ATOM_ENGINE": "sparks"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0 and "--full-refresh" in shown.stdout, shown.stderr


def test_an_invalid_secret_setting_is_named_without_its_value() -> None:
    from pydantic import SecretStr, ValidationError
    from pydantic_settings import BaseSettings

    from atom.settings import describe_invalid

    class Strict(BaseSettings):
        stripe_api_key: SecretStr = Field(min_length=40, validation_alias="STRIPE_API_KEY")

    with pytest.raises(ValidationError) as info:
        Strict(STRIPE_API_KEY="sk_test_short")
    text = describe_invalid(info.value, Strict)
    assert "STRIPE_API_KEY: " in text and "sk_test_short" not in text


@pytest.mark.parametrize("since", ["2030-01-01", "2001-01-01"])
def test_build_since_a_day_outside_the_landing_days_is_refused_before_anything_runs(
    home: Path, monkeypatch: pytest.MonkeyPatch, since: str
) -> None:
    monkeypatch.setenv("ATOM_TODAY", "2026-11-20")
    reset_settings_cache()
    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.database_url)  # an initialised home, as far as the command's check goes
    runs = home / "dagster" / "history" / "runs"
    before = sorted(runs.iterdir()) if runs.exists() else []
    result = runner.invoke(app, ["build", "--since", since])
    assert result.exit_code == 2, result.output
    assert f"--since {since} is outside the landing days a build loads: 2025-01-01" in result.output
    assert "to 2026-11-20 (today)" in result.output
    assert (sorted(runs.iterdir()) if runs.exists() else []) == before  # no Dagster run started
