"""Run the dbt CLI in a child process against a chosen warehouse file.

A child process keeps dbt's logging off our stdout (``--format json`` promises a clean stdout) and
lets a preview point dbt at a scratch warehouse without touching this process's environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from atom.settings import DBT_PROJECT_DIR, subprocess_env
from atom.storage import atomic_path

PARSE_FILE = "partial_parse.msgpack"
# The project's last parse, written by ``orchestration.dbt_manifest.ensure_manifest``.
PROJECT_PARSE = DBT_PROJECT_DIR / "target" / PARSE_FILE


class DbtError(RuntimeError):
    pass


def dbt_executable() -> str:
    """This venv's ``atom-dbt`` (atom/dbt_main.py): dbt, reusing one parse across homes."""
    return str(Path(sys.executable).parent / "atom-dbt")


def seed_partial_parse(target_path: Path, source: Path = PROJECT_PARSE) -> None:
    """Give a new target folder a saved parse, the project's by default: dbt then parses only the files changed
    since, 0.1 s instead of 3.3 s, whatever home the folder belongs to (atom/dbt_main.py). Data only:
    ``shutil.copy`` would also copy the source's mode, 0644 from a checkout, world-readable in a home that is
    otherwise private (atom/permissions.py)."""
    destination = target_path / PARSE_FILE
    if source.exists() and not destination.exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def keep_partial_parse(target_path: Path, seed: Path) -> None:
    """Save a run's parse as ``seed``, for the next run of the same kind (same vars, same database name) to
    start from. Best effort: where the project folder is read-only (an image), runs start from the seed the
    image has, or parse in full."""
    parsed = target_path / PARSE_FILE
    if not parsed.exists():
        return
    try:
        with atomic_path(seed) as tmp:
            shutil.copyfile(parsed, tmp)
    except OSError:
        pass


def run_dbt(
    args: Sequence[str],
    *,
    warehouse: Path | None = None,
    target_path: Path | None = None,
    log_path: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` on the project; raise :class:`DbtError` with dbt's own output when it fails."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    if target_path is not None:
        seed_partial_parse(target_path)
        command += ["--target-path", str(target_path)]
    # A given warehouse is a scratch DuckDB file (`atom billing preview`): it runs on DuckDB whatever
    # ATOM_ENGINE says, since a preview rates one file in seconds and a Spark start alone costs ~10 s.
    overrides = {"ATOM_WAREHOUSE": str(warehouse), "DBT_TARGET": "dev"} if warehouse is not None else {}
    if log_path is not None:
        overrides["DBT_LOG_PATH"] = str(log_path)
    result = subprocess.run(
        command, env=subprocess_env(None, **overrides), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DbtError(
            f"dbt {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
        )
    return result
