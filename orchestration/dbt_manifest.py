"""Keep dbt's manifest current without parsing on every import.

Dagster needs ``manifest.json`` to build the asset graph. It is regenerated only when a file of the
dbt project is newer than it (a parse costs ~3 s), so loading the definitions stays fast.
"""

from __future__ import annotations

from pathlib import Path

from atom.dbt_cli import run_dbt
from atom.settings import DBT_PROJECT_DIR

WATCHED_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".sqlfluff"}


def manifest_is_stale(manifest_path: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    if not manifest_path.exists():
        return True
    built = manifest_path.stat().st_mtime
    for path in project_dir.rglob("*"):
        if any(part in {"target", "logs", "dbt_packages"} for part in path.relative_to(project_dir).parts):
            continue
        if path.suffix in WATCHED_SUFFIXES and path.stat().st_mtime > built:
            return True
    return False


def ensure_manifest(manifest_path: Path, project_dir: Path = DBT_PROJECT_DIR) -> None:
    if manifest_is_stale(manifest_path, project_dir):
        run_dbt(["parse", "--quiet"], target_path=manifest_path.parent)
