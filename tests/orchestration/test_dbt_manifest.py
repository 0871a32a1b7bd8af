"""dbt's manifest is parsed once when missing or stale, even when several processes start at once
(orchestration/dbt_manifest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.dbt_manifest import ensure_manifest, manifest_is_stale

# As the definitions do: make sure of the manifest, then read it at once (dagster-dbt's dbt_assets).
ENSURE = (
    "import json, sys; from pathlib import Path; from orchestration.dbt_manifest import ensure_manifest; "
    "ensure_manifest(Path(sys.argv[1])); json.loads(Path(sys.argv[1]).read_text())"
)


def test_processes_starting_together_leave_one_whole_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    env = {**os.environ, "ATOM_HOME": str(tmp_path / "home")}
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", ENSURE, str(manifest)], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [starter.communicate(timeout=300)[1] for starter in starters]

    assert [starter.returncode for starter in starters] == [0, 0, 0, 0], errors
    assert "model.atom.fct_invoice_lines" in json.loads(manifest.read_text())["nodes"]
    assert (manifest.parent / "partial_parse.msgpack").stat().st_size > 0
    assert not manifest_is_stale(manifest)
    assert not list(manifest.parent.glob(".parse-*")), "a scratch folder was left behind"


def test_a_current_manifest_is_not_parsed_again(tmp_path: Path) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    ensure_manifest(manifest)
    parsed_at = manifest.stat().st_mtime_ns

    ensure_manifest(manifest)

    assert manifest.stat().st_mtime_ns == parsed_at
