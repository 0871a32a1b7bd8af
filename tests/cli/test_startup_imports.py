"""`atom <command>` pays only for what that command needs (issue 14: start-up was 5-7 s of every build).

Each check runs a fresh interpreter: what a module imports is only visible before anything else did."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from cli.main import app

# Modules no command needs just to be registered: the operational DB's migrations (alembic), the API's
# server, Dagster and dbt. Commands that need them import them when they run.
HEAVY = ("alembic", "dagster", "dagster_dbt", "dbt", "uvicorn", "fastapi", "pandas", "duckdb")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_loading_the_atom_command_imports_no_heavy_library() -> None:
    loaded = _imported_after("import cli.main")
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_reading_the_operational_db_needs_neither_alembic_nor_a_password_hash() -> None:
    # `atom build` fingerprints the operational DB before anything else (orchestration/build_inputs.py).
    code = (
        "import argon2\n"
        "calls = []\n"
        "argon2.PasswordHasher.hash = lambda self, p: calls.append(p) or ''\n"
        "import atom.opdb\n"
        "assert not calls, calls"
    )
    assert "alembic" not in _imported_after(code)


def test_atom_help_still_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for command in (
        "init", "generate", "ingest", "build", "billing", "price-book", "scan", "verify",
        "serve", "keys", "users", "orchestrator", "portal", "demo",
    ):  # fmt: skip
        assert f" {command} " in result.output, command


def test_commands_whose_imports_moved_still_show_their_help() -> None:
    # Their opdb imports moved into the functions; running them is covered by tests/cli/test_init_and_price_book.py
    # and the keys tests.
    runner = CliRunner()
    for args in (["keys", "create", "--help"], ["price-book", "publish", "--help"], ["serve", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
