"""``scan_path``: the governance report for a ``.wpk``, a directory or a single file."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path

from governance.archive import ArchiveError, read_archive
from governance.config import ScanSettings
from governance.detectors.python_ast import FileFacts, analyze_python
from governance.detectors.secrets import scan_secrets
from governance.detectors.text import looks_binary, scan_binary, scan_text
from governance.findings import Finding, line_hash, make_finding
from governance.manifest import ManifestResult, parse_manifest
from governance.policies import MANIFEST_FILE, drop_declared, evaluate_policies, policy_findings
from governance.report import Report, SignatureInfo
from governance.scoring import decide
from governance.signatures import SignatureResult, verify_signature
from governance.suppressions import Suppression, apply_suppressions

ARCHIVE_SUFFIXES = (".wpk", ".zip")
# Local build output, not package content; a .wpk is scanned whole.
SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".venv", "venv", "node_modules", ".mypy_cache",
                          ".pytest_cache", ".ruff_cache", ".tox"})  # fmt: skip


def scan_path(
    path: str | Path,
    *,
    signature: str | None = None,
    public_key: bytes | str | None = None,
    settings: ScanSettings | None = None,
    suppressions: Iterable[Suppression] = (),
) -> Report:
    """Scan a ``.wpk``/``.zip``, a directory or a single file. ``signature``/``public_key`` check DESIGN 3.5."""
    settings = settings or ScanSettings()
    path = Path(path)
    if path.is_dir():
        files = _read_directory(path)
        digest = _tree_digest(files)
        sig = None
        if signature is not None or public_key is not None:
            sig = SignatureResult("error", None, "a directory has no bytes to sign; sign and verify the .wpk")
        return scan_files(files, target=path.name or str(path), sha256=digest, signature_result=sig,
                          settings=settings, suppressions=suppressions, is_package=False)  # fmt: skip
    data = path.read_bytes()
    return scan_bytes(data, path.name, signature=signature, public_key=public_key, settings=settings,
                      suppressions=suppressions)  # fmt: skip


def scan_bytes(
    data: bytes,
    name: str,
    *,
    signature: str | None = None,
    public_key: bytes | str | None = None,
    settings: ScanSettings | None = None,
    suppressions: Iterable[Suppression] = (),
    signature_result: SignatureResult | None = None,
) -> Report:
    """Scan a package or a single file given as bytes (the sensor reads them from the artifact store).

    ``signature_result`` lets the caller verify against the publisher's registered keys itself
    (:func:`governance.signatures.verify_with_any`) instead of passing one ``public_key``.
    """
    settings = settings or ScanSettings()
    digest = hashlib.sha256(data).hexdigest()
    sig = signature_result or _check_signature(data, signature, public_key)
    if not name.lower().endswith(ARCHIVE_SUFFIXES):
        return scan_files({name: data}, target=name, sha256=digest, signature_result=sig, settings=settings,
                          suppressions=suppressions, is_package=False)  # fmt: skip
    started = time.perf_counter()
    try:
        archive = read_archive(data, settings.archive_limits)
    except ArchiveError as exc:
        finding = make_finding("archive-rejected", name, 1, message=f"{exc.reason_code}: {exc.message}")
        assessment = decide([finding], settings, policy_failed=True)
        return Report(
            target=name, sha256=digest, risk_score=assessment.risk_score, decision="reject",
            signature=_signature_info(sig), findings=[finding],
            policies=evaluate_policies([finding], sig), reasons=assessment.reasons,
            thresholds=thresholds_of(settings), duration_ms=(time.perf_counter() - started) * 1000,
        )  # fmt: skip
    return scan_files(archive.members, target=name, sha256=digest, signature_result=sig, settings=settings,
                      suppressions=suppressions, is_package=True, package_bytes=len(data))  # fmt: skip


def scan_files(
    files: dict[str, bytes],
    *,
    target: str,
    sha256: str,
    signature_result: SignatureResult | None = None,
    settings: ScanSettings | None = None,
    suppressions: Iterable[Suppression] = (),
    is_package: bool = True,
    package_bytes: int | None = None,
) -> Report:
    """The core: files by relative POSIX path → report."""
    settings = settings or ScanSettings()
    started = time.perf_counter()
    manifest: ManifestResult | None = None
    if MANIFEST_FILE in files:
        manifest = parse_manifest(files[MANIFEST_FILE])
    m = manifest.manifest if manifest else None
    findings: list[Finding] = []
    facts: list[tuple[str, FileFacts]] = []
    lines = 0
    for name, data in files.items():
        file_findings, file_facts, file_lines = scan_file(
            name, data, settings=settings,
            pii_fields=m.pii_fields if m else (), declared_secrets=m.secrets if m else None,
        )  # fmt: skip
        findings.extend(file_findings)
        lines += file_lines
        if file_facts is not None:
            facts.append((name, file_facts))
    size = package_bytes if package_bytes is not None else sum(len(d) for d in files.values())
    findings = drop_declared(findings, manifest)
    findings += policy_findings(
        findings,
        manifest,
        facts,
        package_bytes=size,
        signature=signature_result,
        settings=settings,
    )
    findings, suppressed = apply_suppressions(findings, tuple(suppressions))
    policies = evaluate_policies(findings, signature_result)
    policy_failed = manifest is not None and any(p.status == "fail" for p in policies)
    needs_review = is_package and (manifest is None or not manifest.ok)
    assessment = decide(findings, settings, policy_failed=policy_failed, needs_review=needs_review)
    return Report(
        target=target,
        sha256=sha256,
        risk_score=assessment.risk_score,
        decision=assessment.decision,
        signature=_signature_info(signature_result),
        findings=findings,
        policies=policies,
        suppressed=suppressed,
        manifest=_manifest_summary(manifest),
        reasons=assessment.reasons,
        thresholds=thresholds_of(settings),
        files_scanned=len(files),
        lines_scanned=lines,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def scan_file(
    name: str,
    data: bytes,
    *,
    settings: ScanSettings,
    pii_fields: Iterable[str] = (),
    declared_secrets: Iterable[str] | None = None,
) -> tuple[list[Finding], FileFacts | None, int]:
    """Findings, facts (Python only) and line count of one file."""
    lower = name.lower()
    if looks_binary(data) or lower.endswith((".pyc", ".pyo", ".so", ".dll", ".dylib", ".exe", ".pyd")):
        return scan_binary(name, data), None, 0
    if len(data) > settings.max_source_bytes:
        return (
            [
                make_finding(
                    "unparsable-source", name, 1, message=f"{len(data):,} bytes is too large to analyse"
                )
            ],
            None,
            0,
        )
    text = data.decode("utf-8", errors="replace")
    is_python = lower.endswith((".py", ".pyw")) or (
        text.startswith("#!") and "python" in text.split("\n", 1)[0]
    )
    findings: list[Finding] = []
    facts: FileFacts | None = None
    if is_python:
        findings, facts = analyze_python(
            text,
            name,
            pii_fields=pii_fields,
            declared_secrets=declared_secrets,
            blob_min_chars=settings.blob_min_chars,
        )
    line_based = scan_text(name, text, is_python=is_python, blob_min_chars=settings.blob_min_chars)
    if not lower.endswith((".lock", ".sum")):
        line_based += scan_secrets(name, text, use_detect_secrets=settings.use_detect_secrets)
    if facts is not None and facts.docstring_lines:
        # Weak secret hits in documentation are examples (``scott:tiger@localhost``); token formats still count.
        line_based = [
            f
            for f in line_based
            if not (f.category == "secrets" and f.severity == "medium" and f.line in facts.docstring_lines)
        ]
    if facts is not None and facts.statement_start:
        line_based = _to_statement_start(line_based, facts.statement_start, text)
    seen = {(f.rule, f.line) for f in findings}
    findings += [f for f in line_based if (f.rule, f.line) not in seen]
    return findings, facts, text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def _to_statement_start(findings: list[Finding], starts: dict[int, int], text: str) -> list[Finding]:
    """Line rules see physical lines; DESIGN 3.6 reports the line where the statement starts."""
    lines = text.splitlines()
    out = []
    for finding in findings:
        start = starts.get(finding.line)
        if start is None:
            out.append(finding)
        else:
            content = line_hash(lines[start - 1]) if start <= len(lines) else finding.content_hash
            out.append(dataclasses.replace(finding, line=start, content_hash=content))
    return out


def thresholds_of(settings: ScanSettings) -> dict[str, float]:
    return {
        "review": settings.review_threshold,
        "reject": settings.reject_threshold,
        "reject_min_strong_rules": settings.reject_min_strong_rules,
    }


def _read_directory(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for filename in sorted(filenames):
            full = Path(dirpath) / filename
            if full.is_symlink() or not full.is_file():
                continue
            files[full.relative_to(root).as_posix()] = full.read_bytes()
    return files


def _tree_digest(files: dict[str, bytes]) -> str:
    """A stable digest of a directory: SHA-256 over sorted (path, content hash) pairs."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _check_signature(
    data: bytes, signature: str | None, public_key: bytes | str | None
) -> SignatureResult | None:
    if signature is None and public_key is None:
        return None
    if signature is None or public_key is None:
        return SignatureResult("error", None, "pass both a signature and a public key to check a signature")
    return verify_signature(data, signature, public_key)


def _signature_info(result: SignatureResult | None) -> SignatureInfo:
    if result is None:
        return SignatureInfo("not_checked", None, None)
    return SignatureInfo(result.status, result.key_id, None if result.status == "valid" else result.reason)


def _manifest_summary(manifest: ManifestResult | None) -> dict[str, object] | None:
    if manifest is None:
        return None
    m = manifest.manifest
    summary: dict[str, object] = {"valid": manifest.ok, "errors": list(manifest.errors)}
    if m is not None:
        summary.update({"name": m.name, "version": m.version, "publisher": m.publisher})
    return summary
