"""Risk score (0-1) and decision, after GuardDog v3's risk engine and PyPI's two-signal quarantine rule.

* Each finding has a strength: severity × confidence, tempered by the rule's specificity.
* Four features summarise a package's findings: ``evidence`` (noisy-or over the strongest finding of each
  rule, so a rule that fires a hundred times counts once), ``max_threat`` (the strongest threat),
  ``strong_rules`` (distinct strong threats), ``stages`` (attack stages access → conceal → execute →
  egress/persist among threats: a chain is stronger evidence than its parts). Lowered findings (constants,
  tests, guarded code) count in none of them.
* The score is a logistic regression over them, fitted on the labelled corpus and installed libraries by
  ``tests/governance/calibrate.py``; the weights are data (``governance/score_weights.json``), so the score is
  a calibrated probability that the package is malicious (docs/governance-eval.md shows the curve).
* Caps: a package with only capabilities and weak threats stays below the review threshold; a package with
  fewer than ``reject_min_strong_rules`` distinct strong threats stays below the reject threshold, so a single
  signal, however loud, goes to a human.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from governance.config import ScanSettings
from governance.findings import Finding
from governance.rules import RULES

Decision = Literal["approve", "review", "reject"]
SEVERITY_WEIGHT = {"low": 0.1, "medium": 0.35, "high": 0.65, "critical": 0.85}
CONFIDENCE_WEIGHT = {"low": 0.5, "medium": 0.75, "high": 1.0}
WEAK_CAP_MARGIN = 0.05
WEIGHTS_FILE = Path(__file__).with_name("score_weights.json")
# No feature may lower the score: an author controls how much harmless noise a package holds, so a feature
# like "number of lowered findings" (which the fit weighted negatively) would be a way to hide.
FEATURES = ("evidence", "max_threat", "strong_rules", "stages")


@dataclass(frozen=True)
class ScoreModel:
    intercept: float
    weights: dict[str, float]


@lru_cache(maxsize=1)
def score_model() -> ScoreModel:
    """The fitted weights. Data, not code: refit with ``tests/governance/calibrate.py --write``."""
    data = json.loads(WEIGHTS_FILE.read_text())
    return ScoreModel(float(data["intercept"]), {k: float(data["weights"][k]) for k in FEATURES})


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


def is_lowered(finding: Finding) -> bool:
    """Kept for a reviewer but weak: the detectors lowered it (a constant, test code, a guard)."""
    return finding.severity == "low" and finding.confidence == "low"


def features(findings: list[Finding]) -> dict[str, float]:
    scored = [f for f in findings if RULES[f.rule].category not in ("manifest", "signature")]
    best: dict[str, float] = {}
    for finding in scored:
        if not is_lowered(finding):
            best[finding.rule] = max(best.get(finding.rule, 0.0), strength(finding))
    remaining = 1.0
    for value in best.values():
        remaining *= 1.0 - value
    threats = [f for f in scored if RULES[f.rule].kind == "threat" and not is_lowered(f)]
    stages = {RULES[f.rule].stage for f in threats if RULES[f.rule].stage != "none"}
    return {
        "evidence": 1.0 - remaining,
        "max_threat": max((strength(f) for f in threats), default=0.0),
        "strong_rules": float(len({f.rule for f in scored if is_strong(f)})),
        "stages": float(len(stages)),
    }


def calibrated(values: dict[str, float]) -> float:
    model = score_model()
    z = model.intercept + sum(model.weights[name] * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-z))


def risk_score(
    findings: list[Finding], settings: ScanSettings
) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    scored = [f for f in findings if RULES[f.rule].category not in ("manifest", "signature")]
    values = features(findings)
    score = calibrated(values) if scored else 0.0
    threats = [f for f in scored if RULES[f.rule].kind == "threat" and not is_lowered(f)]
    stages = tuple(sorted({RULES[f.rule].stage for f in threats if RULES[f.rule].stage != "none"}))
    strong = tuple(sorted({f.rule for f in scored if is_strong(f)}))
    meaningful = any(
        (RULES[f.rule].kind == "threat" and RULES[f.rule].specificity >= 0.5 and not is_lowered(f))
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
