"""governance.triage: every rule, policy and threshold that sent a submission to a human, from its report."""

from __future__ import annotations

from pathlib import Path

from governance import ScanSettings, scan_path
from governance.triage import queue_reasons

STEP = "import base64\n\n\ndef run(ctx):\n    exec(base64.b64decode(ctx['code']))\n"


def test_a_scanned_package_names_its_threshold_rules_and_failing_policies(tmp_path: Path) -> None:
    (tmp_path / "post.py").write_text(STEP)
    report = scan_path(tmp_path / "post.py", settings=ScanSettings(review_threshold=0.3)).to_dict()
    assert report["decision"] == "review" and report["thresholds"]["review"] == 0.3

    reasons = queue_reasons(report)
    by_kind = {(r.kind, r.code): r.text for r in reasons}
    assert "at or above the review threshold 0.30" in by_kind[("threshold", "review")]
    rule = by_kind[("rule", "exec-base64")]
    assert "post.py:5" in rule and "1 finding(s)" in rule
    for policy in (p for p in report["policies"] if p["status"] == "fail"):
        assert ("policy", policy["id"]) in by_kind


def test_lowered_findings_are_context_not_reasons() -> None:
    report = {
        "decision": "review",
        "risk_score": 0.1,
        "findings": [
            {"rule": "shady-link", "category": "network", "severity": "low", "confidence": "low",
             "file": "tests/x.py", "line": 3},
        ],
        "policies": [],
    }  # fmt: skip
    assert not [r for r in queue_reasons(report) if r.kind == "rule"]


def test_history_the_report_cannot_know_comes_first() -> None:
    reasons = queue_reasons(
        {},
        returned_after_approval=True,
        answered_question="Why?",
        cancelled_rejection="fixed version 1.0.1 arrived",
    )
    assert [r.code for r in reasons][:3] == [
        "rescanned-after-approval",
        "info-answered",
        "rejection-cancelled",
    ]
    assert reasons[-1].code == "not-scanned"
