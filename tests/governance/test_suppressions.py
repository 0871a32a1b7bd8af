"""Suppressions keyed by (path pattern, rule, content hash), each with who and why, audited in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance import Suppression, scan_path
from governance.findings import line_hash

LINE = "data = pickle.loads(blob)"


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "steps").mkdir(exist_ok=True)
    path = tmp_path / "steps" / "cache.py"
    path.write_text(f"import pickle\n\nblob = b''\n{body}\n")
    return tmp_path


def reviewed(content_hash: str) -> Suppression:
    return Suppression("steps/*.py", "unsafe-deserialization", content_hash, "rita@reviewers",
                       "Cache file written by the same step; never crosses a trust boundary.")  # fmt: skip


def test_a_matching_suppression_moves_the_finding_to_the_audit_trail(tmp_path: Path):
    report = scan_path(write(tmp_path, LINE), suppressions=[reviewed(line_hash(LINE))])
    assert "unsafe-deserialization" not in {f.rule for f in report.findings}
    [entry] = report.to_dict()["suppressed"]
    assert entry["rule"] == "unsafe-deserialization" and entry["suppressed_by"] == "rita@reviewers"
    assert entry["reason"].startswith("Cache file")


def test_a_suppression_survives_the_line_moving_but_not_the_line_changing(tmp_path: Path):
    moved = scan_path(write(tmp_path, "\n\n\n" + LINE), suppressions=[reviewed(line_hash(LINE))])
    assert "unsafe-deserialization" not in {f.rule for f in moved.findings}
    changed = scan_path(
        write(tmp_path, "data = pickle.loads(blob + b'x')"), suppressions=[reviewed(line_hash(LINE))]
    )
    assert "unsafe-deserialization" in {f.rule for f in changed.findings}


def test_a_suppression_does_not_leak_to_other_paths_or_rules(tmp_path: Path):
    other_path = Suppression(
        "lib/*.py", "unsafe-deserialization", "*", "rita", "Reviewed for the lib folder only."
    )
    other_rule = Suppression("steps/*.py", "exec-base64", "*", "rita", "Reviewed a different rule entirely.")
    report = scan_path(write(tmp_path, LINE), suppressions=[other_path, other_rule])
    assert "unsafe-deserialization" in {f.rule for f in report.findings}


def test_a_suppression_without_who_or_why_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"who is empty.*why is too short"):
        scan_path(
            write(tmp_path, LINE), suppressions=[Suppression("*", "unsafe-deserialization", "*", "", "ok")]
        )
