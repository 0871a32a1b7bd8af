"""The governance report in DESIGN 3.6 shape (plus the rule-set version, the audit of suppressions and stats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from governance.findings import Finding
from governance.policies import PolicyResult
from governance.rules import RULES_VERSION
from governance.scoring import Decision
from governance.suppressions import Suppressed

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class SignatureInfo:
    # valid | invalid | error (from verify_signature) | not_checked (no signature given)
    status: str
    key_id: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "key_id": self.key_id}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Report:
    target: str
    sha256: str
    risk_score: float
    decision: Decision
    signature: SignatureInfo
    findings: list[Finding]
    policies: list[PolicyResult]
    suppressed: list[Suppressed] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    reasons: tuple[str, ...] = ()
    files_scanned: int = 0
    lines_scanned: int = 0
    duration_ms: float = 0.0
    rules_version: str = RULES_VERSION
    # The thresholds the decision was taken against (DESIGN 3.6: they are settings, so a report says which).
    thresholds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        findings = sorted(self.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.file, f.line, f.rule))
        return {
            "target": self.target,
            "sha256": self.sha256,
            "risk_score": self.risk_score,
            "decision": self.decision,
            "signature": self.signature.to_dict(),
            "findings": [f.to_dict() for f in findings],
            "policies": [p.to_dict() for p in self.policies],
            "suppressed": [s.to_dict() for s in self.suppressed],
            "decision_reasons": list(self.reasons),
            "manifest": self.manifest,
            "rules_version": self.rules_version,
            "thresholds": self.thresholds,
            "stats": {
                "files": self.files_scanned,
                "lines": self.lines_scanned,
                "duration_ms": round(self.duration_ms, 1),
            },
        }
