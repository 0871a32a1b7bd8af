"""Scanner thresholds and limits. Plain data: ``ingest.review.scan_settings`` feeds them from ``atom.settings``."""

from __future__ import annotations

from dataclasses import dataclass, field

from governance.archive import ArchiveLimits


@dataclass(frozen=True)
class ScanSettings:
    # Decision thresholds on the 0-1 risk score (DESIGN 3.6: thresholds are settings). Chosen on the
    # precision-recall curve of the fitted score (docs/governance-eval.md): 0.4 sits in the gap between the
    # highest honest library (sqlalchemy, 0.38) and the lowest malicious entry sent to review (0.426).
    review_threshold: float = 0.4
    reject_threshold: float = 0.8
    # A package must show at least this many distinct strong threat rules before it can be auto-rejected.
    reject_min_strong_rules: int = 2
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    # Platform budget limits (P-6).
    max_runtime_s: int = 900
    max_memory_mb: int = 2048
    max_package_bytes: int = 20 * 1024 * 1024
    # Files larger than this are not parsed (generated code, data); they get a finding instead.
    max_source_bytes: int = 2 * 1024 * 1024
    # An encoded string literal at least this long is an "encoded blob".
    blob_min_chars: int = 256
    # detect-secrets adds entropy and token-format checks; see docs/governance-eval.md for what it adds.
    use_detect_secrets: bool = True
    # A submission with no signature to check counts as a P-2 failure (the sensor sets this; `atom scan` does not).
    require_signature: bool = False
