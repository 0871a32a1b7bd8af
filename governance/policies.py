"""Policies P-1..P-6: the manifest and the code judged together.

The code detectors report what the code does; here it is compared with what ``wpk.toml`` declares, which
adds policy findings (an undeclared host, a subprocess the manifest does not grant, a missing budget), and
then each policy gets a status from the findings that belong to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from governance.config import ScanSettings
from governance.detectors.python_ast import FileFacts
from governance.findings import Finding, make_finding
from governance.manifest import ManifestResult
from governance.rules import POLICY_NAMES, RULES
from governance.signatures import SignatureResult

MANIFEST_FILE = "wpk.toml"
PolicyStatus = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class PolicyResult:
    id: str
    name: str
    status: PolicyStatus
    finding_rules: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "finding_rules": list(self.finding_rules),
        }


def policy_findings(
    code_findings: list[Finding],
    manifest: ManifestResult | None,
    facts: Iterable[tuple[str, FileFacts]],
    *,
    package_bytes: int,
    signature: SignatureResult | None,
    settings: ScanSettings,
) -> list[Finding]:
    """Findings that come from comparing code, manifest, size and signature."""
    out: list[Finding] = []
    facts = list(facts)
    if package_bytes > settings.max_package_bytes:
        out.append(make_finding("package-too-large", MANIFEST_FILE, 1, message=f"{package_bytes:,} bytes"))
    if signature is not None:
        if signature.status == "invalid":
            out.append(make_finding("signature-invalid", MANIFEST_FILE, 1, message=signature.reason))
        elif signature.status == "error":
            out.append(make_finding("signature-unverifiable", MANIFEST_FILE, 1, message=signature.reason))
    elif settings.require_signature:
        out.append(make_finding("signature-missing", MANIFEST_FILE, 1))
    if manifest is None:
        out.append(make_finding("manifest-missing", MANIFEST_FILE, 1))
        return out
    for error in manifest.errors:
        out.append(make_finding("manifest-invalid", MANIFEST_FILE, 1, message=error))
    m = manifest.manifest
    if m is None:
        return out
    for finding in code_findings:
        if finding.rule == "network-access":
            host = finding.detail.get("host")
            if host and not m.allows_host(host):
                out.append(_at(finding, "undeclared-network-host", f"{host} is not in permissions.network"))
            elif not host and not m.network:
                out.append(
                    _at(finding, "undeclared-network-host", "network call but permissions.network is empty")
                )
        elif finding.rule == "process-spawn" and not m.subprocess:
            out.append(_at(finding, "undeclared-subprocess"))
        elif finding.rule == "filesystem-write" and m.filesystem != "scratch":
            out.append(
                _at(finding, "undeclared-filesystem-write", f"permissions.filesystem is {m.filesystem!r}")
            )
    undeclared_pii: dict[str, tuple[str, int]] = {}
    for path, file_facts in facts:
        for field_name, line in file_facts.pii_uses:
            if field_name not in m.pii_fields:
                undeclared_pii.setdefault(field_name, (path, line))
    for field_name, (path, line) in sorted(undeclared_pii.items()):
        out.append(make_finding("undeclared-pii-field", path, line, message=field_name))
    for path, file_facts in facts:
        for key, line in file_facts.env_reads:
            if key not in m.secrets:
                name = "a variable chosen at run time" if key == "?" else key
                out.append(make_finding("undeclared-env-read", path, line, message=name))
    if not m.health_check:
        out.append(
            make_finding(
                "missing-health-check", MANIFEST_FILE, 1, message="observability.health_check is not true"
            )
        )
    elif not any(f.has_health_function for _, f in facts):
        out.append(
            make_finding(
                "missing-health-check", MANIFEST_FILE, 1, message="declared, but no health_check() is defined"
            )
        )
    if not any(f.uses_logging for _, f in facts):
        first_print = next(((path, f.print_lines[0]) for path, f in facts if f.print_lines), None)
        if first_print:
            out.append(make_finding("unstructured-logging", first_print[0], first_print[1]))
    if m.max_runtime_s is None or m.max_memory_mb is None:
        out.append(make_finding("budget-missing", MANIFEST_FILE, 1))
    over = []
    if m.max_runtime_s and m.max_runtime_s > settings.max_runtime_s:
        over.append(f"max_runtime_s {m.max_runtime_s} > {settings.max_runtime_s}")
    if m.max_memory_mb and m.max_memory_mb > settings.max_memory_mb:
        over.append(f"max_memory_mb {m.max_memory_mb} > {settings.max_memory_mb}")
    if over:
        out.append(make_finding("budget-over-limit", MANIFEST_FILE, 1, message="; ".join(over)))
    return out


def _at(finding: Finding, rule: str, message: str | None = None) -> Finding:
    return Finding(
        rule=rule,
        file=finding.file,
        line=finding.line,
        message=f"{RULES[rule].message}: {message}" if message else RULES[rule].message,
        severity=RULES[rule].severity,
        confidence=RULES[rule].confidence,
        content_hash=finding.content_hash,
        detail=finding.detail,
    )


def drop_declared(findings: list[Finding], manifest: ManifestResult | None) -> list[Finding]:
    """Personal data sent to a host the manifest declares is the package's job, not a finding."""
    m = manifest.manifest if manifest else None
    if m is None:
        return findings
    return [
        f
        for f in findings
        if not (f.rule == "pii-sent-out" and f.detail.get("host") and m.allows_host(str(f.detail["host"])))
    ]


def evaluate_policies(findings: list[Finding], signature: SignatureResult | None) -> list[PolicyResult]:
    results = []
    for policy_id, name in POLICY_NAMES.items():
        related = [f for f in findings if policy_id in RULES[f.rule].policies]
        rules = tuple(sorted({f.rule for f in related}))
        status: PolicyStatus = "pass"
        if any(f.severity != "low" for f in related):
            status = "fail"
        elif related:
            status = "warn"
        if policy_id == "P-2" and signature is None and status == "pass":
            status = "warn"  # nothing to say about signing when no signature was given to check
        results.append(PolicyResult(policy_id, name, status, rules))
    return results
