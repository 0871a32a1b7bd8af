"""Suppressions: reviewed exceptions keyed by (path pattern, rule, content hash), each with who and why.

They live on the platform, never in the package: a ``# nosec`` or ``# pragma: allowlist`` comment is written by
the author we are judging, so the scanner ignores such comments. Keying on the hash of the flagged line's text
(not its number) keeps a suppression valid when code moves and void as soon as the line changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from governance.findings import Finding
from governance.rules import RULES


@dataclass(frozen=True)
class Suppression:
    path_pattern: str
    rule: str
    content_hash: str
    who: str
    why: str
    created_at: str | None = None

    def problems(self) -> list[str]:
        problems = []
        if self.rule not in RULES:
            problems.append(f"unknown rule {self.rule!r}; use a rule id from the report")
        if not self.who.strip():
            problems.append("who is empty; record the reviewer")
        if len(self.why.strip()) < 10:
            problems.append("why is too short; explain in a sentence why the finding is acceptable")
        if self.content_hash != "*" and len(self.content_hash) != 64:
            problems.append(
                "content_hash must be the 64-hex hash of the flagged line, or '*' for any content"
            )
        return problems

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule == self.rule
            and fnmatchcase(finding.file, self.path_pattern)
            and self.content_hash in ("*", finding.content_hash)
        )


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    suppression: Suppression

    def to_dict(self) -> dict[str, object]:
        return {
            **self.finding.to_dict(),
            "content_hash": self.finding.content_hash,
            "suppressed_by": self.suppression.who,
            "reason": self.suppression.why,
            "path_pattern": self.suppression.path_pattern,
        }


def apply_suppressions(
    findings: list[Finding], suppressions: tuple[Suppression, ...] | list[Suppression]
) -> tuple[list[Finding], list[Suppressed]]:
    """Split findings into those that stand and those a valid suppression covers (kept for the audit)."""
    for suppression in suppressions:
        problems = suppression.problems()
        if problems:
            raise ValueError(
                f"suppression for {suppression.rule} on {suppression.path_pattern}: {'; '.join(problems)}"
            )
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        match = next((s for s in suppressions if s.matches(finding)), None)
        if match is None:
            kept.append(finding)
        else:
            suppressed.append(Suppressed(finding, match))
    return kept, suppressed
