"""Governance: judges workflow packages. A pure library: no DuckDB, no Dagster, nothing from atom/ or ingest/.

Entry points:
* :func:`scan_path` / :func:`scan_bytes` → :class:`Report` (DESIGN 3.6);
* :func:`read_archive` (safe .wpk reading, shared with the intake API);
* :func:`parse_manifest` (wpk.toml, DESIGN 3.4); :func:`verify_signature` (DESIGN 3.5).
"""

from governance.archive import Archive, ArchiveError, ArchiveLimits, read_archive
from governance.config import ScanSettings
from governance.manifest import Manifest, ManifestResult, parse_manifest
from governance.report import Report
from governance.rules import RULES, RULES_VERSION
from governance.scan import scan_bytes, scan_files, scan_path
from governance.signatures import (
    SignatureResult,
    generate_keypair,
    key_id,
    sign,
    verify_signature,
    verify_with_any,
)
from governance.suppressions import Suppression

__all__ = [
    "RULES",
    "RULES_VERSION",
    "Archive",
    "ArchiveError",
    "ArchiveLimits",
    "Manifest",
    "ManifestResult",
    "Report",
    "ScanSettings",
    "SignatureResult",
    "Suppression",
    "generate_keypair",
    "key_id",
    "parse_manifest",
    "read_archive",
    "scan_bytes",
    "scan_files",
    "scan_path",
    "sign",
    "verify_signature",
    "verify_with_any",
]
