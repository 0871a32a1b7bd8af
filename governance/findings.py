"""A finding: one rule firing at one statement of one file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from governance.rules import RULES, Confidence, Rule, Severity


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int
    message: str
    severity: Severity
    confidence: Confidence
    # The stripped text of the flagged line, hashed: suppressions key on it so they survive line moves.
    content_hash: str = ""
    # Internal detail for policies (a host, an environment key); not part of the report.
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def spec(self) -> Rule:
        return RULES[self.rule]

    @property
    def category(self) -> str:
        return self.spec.category

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "recommendation": self.spec.recommendation,
        }


def line_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8", "surrogatepass")).hexdigest()


def make_finding(
    rule_id: str,
    file: str,
    line: int,
    *,
    source_lines: list[str] | None = None,
    message: str | None = None,
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    **detail: Any,
) -> Finding:
    rule = RULES[rule_id]
    text = source_lines[line - 1] if source_lines and 0 < line <= len(source_lines) else ""
    return Finding(
        rule=rule_id,
        file=file,
        line=line,
        message=f"{rule.message}: {message}" if message else rule.message,
        severity=severity or rule.severity,
        confidence=confidence or rule.confidence,
        content_hash=line_hash(text),
        detail=detail,
    )
