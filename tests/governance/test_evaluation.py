"""The issue's accuracy targets, measured by tests/governance/evaluate.py (figures in docs/governance-eval.md)."""

from __future__ import annotations

import pytest

from governance import ScanSettings
from tests.governance.evaluate import LIBRARIES, evaluate_corpus, evaluate_libraries


def test_recall_and_precision_on_the_labelled_corpus_reach_90_percent():
    result = evaluate_corpus(ScanSettings())
    missed = [f"{e.file}:{e.line} {'|'.join(e.alternatives)}" for e in result.expectations if not e.met]
    false = [f"{where} {f.file}:{f.line} {f.rule}" for where, f in result.false_signals]
    assert len(result.expectations) >= 100
    assert result.recall >= 0.9, missed
    assert result.precision >= 0.9, false


def test_every_benign_corpus_package_is_approved_and_no_malicious_one_is():
    decisions = evaluate_corpus(ScanSettings()).decisions
    assert all(d == "approve" for k, d in decisions.items() if k.startswith("benign/")), decisions
    strong = [k for k, d in decisions.items() if k.startswith("malicious/") and d != "approve"]
    # Deserialization, a lone encoded blob and a lone literal getattr of a process function are capabilities or
    # weak signals: they stay out of review on purpose (a reviewer still sees them in the report).
    assert {k for k, d in decisions.items() if k.startswith("malicious/") and d == "approve"} <= {
        "malicious/blob.py",
        "malicious/deserialization.py",
        "malicious/apiobf_late_literal.py",
    }
    assert len(strong) >= 25


def test_a_few_well_known_libraries_scanned_in_place_are_not_rejected():
    rows = evaluate_libraries(ScanSettings(), ("requests", "click", "yaml"))
    assert {r["library"] for r in rows} == {"requests", "click", "yaml"}
    assert all(r["decision"] != "reject" and r["high_findings"] == 0 for r in rows), rows


@pytest.mark.slow
def test_no_well_known_library_is_rejected_and_high_findings_stay_below_1_per_10k_lines():
    rows = evaluate_libraries(ScanSettings(), LIBRARIES)
    assert len(rows) >= 10
    assert [r["library"] for r in rows if r["decision"] == "reject"] == []
    lines = sum(int(r["lines"]) for r in rows)
    high = sum(int(r["high_findings"]) for r in rows)
    assert lines > 200_000
    assert high / lines * 10_000 <= 1.0, [(r["library"], r["high_rules"]) for r in rows if r["high_findings"]]
