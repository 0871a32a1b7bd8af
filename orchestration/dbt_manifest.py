"""Keep dbt's manifest current without parsing on every import.

Dagster needs ``manifest.json`` to build the asset graph. It is regenerated only when a file of the
dbt project is newer than it (a parse costs ~3 s), so loading the definitions stays fast.

Processes that start together on a fresh checkout (two test workers, ``atom serve`` beside the orchestrator)
all find it missing. One parses, under a lock, into a scratch folder whose files are then renamed into place:
dbt writes its files in place, and two parses into the same folder once left a manifest.json with one
document's tail after another's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from atom.dbt_cli import PARSE_FILE, run_dbt
from atom.settings import DBT_PROJECT_DIR
from atom.storage import exclusive_lock

# The manifest goes last: its mtime says the parse is current (manifest_is_stale).
PARSE_FILES = (PARSE_FILE, "semantic_manifest.json", "manifest.json")

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
    if not manifest_is_stale(manifest_path, project_dir):
        return
    target = manifest_path.parent
    with exclusive_lock(target / ".parse.lock"):
        if not manifest_is_stale(manifest_path, project_dir):
            return  # parsed by another process while this one waited
        scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
        try:
            run_dbt(["parse", "--quiet"], target_path=scratch)
            for name in PARSE_FILES:
                if (scratch / name).exists():
                    os.replace(scratch / name, target / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
