"""Why a submission waits for a human: every rule, policy and threshold that sent it there, in words.

Derived, not stored: the stored report (DESIGN 3.6 plus ``thresholds`` and ``decision_reasons``) holds
every fact the scanner decided on, so the reasons are recomputed from it wherever they are shown (the
review console, ``GET /v1/submissions/{id}``) and can never disagree with the report. What the report
cannot know (a rescan after approval, a publisher's answer, a cancelled delayed rejection, a first
version) the caller passes in from the operational DB.

Each reason has a ``kind`` (``threshold``, ``rule``, ``policy``, ``signature``, ``manifest``, ``scanner``,
``history``), a ``code`` (the rule or policy id, or a fixed word) and a ``text`` for people. The first
lines of each kind are short summaries a reviewer scans; the per-rule and per-policy lines after them are
the detail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
MAX_LOCATIONS = 3


@dataclass(frozen=True)
class QueueReason:
    kind: str
    code: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _is_lowered(finding: dict[str, Any]) -> bool:
    """governance.scoring.is_lowered on a report's finding: kept for a reviewer, counted nowhere."""
    return finding.get("severity") == "low" and finding.get("confidence") == "low"


def queue_reasons(
    report: dict[str, Any],
    *,
    first_version: bool = False,
    returned_after_approval: bool = False,
    answered_question: str | None = None,
    cancelled_rejection: str | None = None,
) -> list[QueueReason]:
    reasons: list[QueueReason] = []
    if returned_after_approval:
        reasons.append(QueueReason("history", "rescanned-after-approval",
                                   "Rescanned with new rules after approval and scored worse"))  # fmt: skip
    if answered_question:
        reasons.append(QueueReason("history", "info-answered",
                                   f"The publisher answered the question: {answered_question}"))  # fmt: skip
    if cancelled_rejection:
        reasons.append(QueueReason("history", "rejection-cancelled",
                                   f"Scheduled rejection cancelled: {cancelled_rejection}"))  # fmt: skip
    reasons += [
        QueueReason("scanner", "decision", f"Scanner: {text}") for text in report.get("decision_reasons", [])
    ]
    reasons += _threshold_reasons(report)
    signature = report.get("signature") or {}
    if signature.get("status") and signature["status"] != "valid":
        detail = f": {signature['reason']}" if signature.get("reason") else ""
        reasons.append(
            QueueReason("signature", str(signature["status"]), f"Signature {signature['status']}{detail}")
        )
    manifest = report.get("manifest")
    if isinstance(manifest, dict) and not manifest.get("valid", True):
        errors = "; ".join(map(str, manifest.get("errors", []))) or "invalid"
        reasons.append(QueueReason("manifest", "invalid", f"Manifest invalid: {errors}"))
    elif manifest is None and report and str(report.get("target", "")).endswith(".wpk"):
        reasons.append(QueueReason("manifest", "missing", "The package has no wpk.toml manifest"))
    findings = report.get("findings", [])
    severe = [f for f in findings if SEVERITY_RANK.get(f.get("severity", ""), 0) >= 3]
    if severe:
        rules = sorted({str(f.get("rule")) for f in severe})
        reasons.append(QueueReason("rule", "high-or-critical",
                                   f"{len(severe)} high or critical finding(s): {', '.join(rules)}"))  # fmt: skip
    failing = [p for p in report.get("policies", []) if p.get("status") == "fail"]
    if failing:
        reasons.append(QueueReason("policy", "failing",
                                   f"Failing policies: {', '.join(str(p['id']) for p in failing)}"))  # fmt: skip
    reasons += _rule_reasons(findings)
    for policy in failing:
        policy_rules = ", ".join(policy.get("finding_rules", [])) or "no finding"
        reasons.append(QueueReason("policy", str(policy["id"]),
                                   f"Policy {policy['id']} {policy.get('name', '')} fails: {policy_rules}"))  # fmt: skip
    if first_version:
        reasons.append(QueueReason("history", "first-version", "First version of a new package"))
    if not report:
        reasons.append(QueueReason("scanner", "not-scanned", "No governance report yet"))
    return reasons or [QueueReason("scanner", "review", "Sent to review by the scanner")]


def _threshold_reasons(report: dict[str, Any]) -> list[QueueReason]:
    risk = report.get("risk_score")
    if report.get("decision") != "review" or risk is None:
        return []
    thresholds = report.get("thresholds") or {}
    review, reject = thresholds.get("review"), thresholds.get("reject")
    if review is None or reject is None:  # a report from before thresholds were recorded
        return [
            QueueReason(
                "threshold",
                "review",
                f"Risk score {float(risk):.2f} between the review and reject thresholds",
            )
        ]
    out = []
    if float(risk) >= float(review):
        out.append(QueueReason("threshold", "review",
                               f"Risk score {float(risk):.2f} at or above the review threshold {float(review):.2f} "
                               f"(ATOM_REVIEW_THRESHOLD), below the reject threshold {float(reject):.2f}"))  # fmt: skip
        needed = thresholds.get("reject_min_strong_rules")
        if needed and float(risk) >= float(reject) - 0.0101:
            out.append(QueueReason("threshold", "reject-needs-corroboration",
                                   f"Held below the reject threshold: auto-reject needs {int(needed)} distinct "
                                   "strong threat rules; a single signal goes to a human"))  # fmt: skip
    return out


def _rule_reasons(findings: list[dict[str, Any]]) -> list[QueueReason]:
    """One line per rule that counts (lowered findings are context, not a reason), strongest first."""
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        if not _is_lowered(finding):
            by_rule[str(finding.get("rule"))].append(finding)
    ordered = sorted(
        by_rule.items(),
        key=lambda item: (-max(SEVERITY_RANK.get(f.get("severity", ""), 0) for f in item[1]), item[0]),
    )
    out = []
    for rule, hits in ordered:
        worst = max(hits, key=lambda f: SEVERITY_RANK.get(f.get("severity", ""), 0))
        where = ", ".join(f"{f.get('file')}:{f.get('line')}" for f in hits[:MAX_LOCATIONS])
        more = f" and {len(hits) - MAX_LOCATIONS} more" if len(hits) > MAX_LOCATIONS else ""
        out.append(QueueReason("rule", rule,
                               f"Rule {rule} ({worst.get('category')}, {worst.get('severity')}): "
                               f"{len(hits)} finding(s) at {where}{more}"))  # fmt: skip
    return out
