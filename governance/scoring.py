"""Risk score (0-1) and decision, after GuardDog v3's risk engine and PyPI's two-signal quarantine rule.

* Each finding has a strength: severity × confidence, tempered by the rule's specificity.
* Rules combine as independent evidence (noisy-or over the strongest finding of each rule), so a rule that
  fires a hundred times counts once.
* Threats in several attack stages (access → conceal → execute → egress/persist) raise the score: a chain
  is stronger evidence than its parts.
* Caps: a package with only capabilities and weak threats stays below the review threshold; a package with
  fewer than ``reject_min_strong_rules`` distinct strong threats stays below the reject threshold, so a single
  signal, however loud, goes to a human.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from governance.config import ScanSettings
from governance.findings import Finding
from governance.rules import RULES

Decision = Literal["approve", "review", "reject"]
SEVERITY_WEIGHT = {"low": 0.1, "medium": 0.35, "high": 0.65, "critical": 0.85}
CONFIDENCE_WEIGHT = {"low": 0.5, "medium": 0.75, "high": 1.0}
CHAIN_STEP = 0.2
WEAK_CAP_MARGIN = 0.05


@dataclass(frozen=True)
class Assessment:
    risk_score: float
    decision: Decision
    strong_rules: tuple[str, ...]
    stages: tuple[str, ...]
    reasons: tuple[str, ...]


def strength(finding: Finding) -> float:
    rule = RULES[finding.rule]
    return (
        SEVERITY_WEIGHT[finding.severity]
        * CONFIDENCE_WEIGHT[finding.confidence]
        * (0.5 + 0.5 * rule.specificity)
    )


def is_strong(finding: Finding) -> bool:
    rule = RULES[finding.rule]
    return (
        rule.kind == "threat"
        and finding.severity in ("high", "critical")
        and finding.confidence == "high"
        and rule.specificity >= 0.7
    )


def risk_score(
    findings: list[Finding], settings: ScanSettings
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    scored = [f for f in findings if RULES[f.rule].category not in ("manifest", "signature")]
    best: dict[str, float] = {}
    for finding in scored:
        best[finding.rule] = max(best.get(finding.rule, 0.0), strength(finding))
    remaining = 1.0
    for value in best.values():
        remaining *= 1.0 - value
    score = 1.0 - remaining
    threats = [f for f in scored if RULES[f.rule].kind == "threat"]
    stages = tuple(sorted({RULES[f.rule].stage for f in threats if RULES[f.rule].stage != "none"}))
    if len(stages) >= 2:
        score += (1.0 - score) * CHAIN_STEP * (len(stages) - 1)
    strong = tuple(sorted({f.rule for f in scored if is_strong(f)}))
    meaningful = any(
        (RULES[f.rule].kind == "threat" and RULES[f.rule].specificity >= 0.5)
        or (RULES[f.rule].kind == "policy" and f.severity != "low")
        for f in scored
    )
    if not meaningful:
        score = min(score, settings.review_threshold - WEAK_CAP_MARGIN)
    if len(strong) < settings.reject_min_strong_rules:
        score = min(score, settings.reject_threshold - 0.01)
    return round(min(max(score, 0.0), 1.0), 3), strong, stages


def decide(
    findings: list[Finding],
    settings: ScanSettings,
    *,
    policy_failed: bool,
    needs_review: bool = False,
) -> Assessment:
    """``needs_review``: something a human must look at whatever the score (a missing manifest in a .wpk)."""
    score, strong, stages = risk_score(findings, settings)
    reasons: list[str] = []
    decision: Decision = "approve"
    rules = {f.rule for f in findings}
    if rules & {"signature-invalid", "archive-rejected"}:
        decision = "reject"
        reasons.append(
            "the signature does not verify" if "signature-invalid" in rules else "the archive is unsafe"
        )
    elif score >= settings.reject_threshold:
        decision = "reject"
        reasons.append(
            f"risk {score} >= {settings.reject_threshold} with corroborated threats: {', '.join(strong)}"
        )
    elif score >= settings.review_threshold:
        decision = "review"
        reasons.append(f"risk {score} >= {settings.review_threshold}")
    elif policy_failed or needs_review or rules & {"signature-unverifiable", "signature-missing"}:
        decision = "review"
        reasons.append("a policy fails" if policy_failed else "the package cannot be verified")
    return Assessment(score, decision, strong, stages, tuple(reasons))
