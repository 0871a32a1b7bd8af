"""The content-addressed artifact store: ``<artifacts_dir>/sha256/<2 hex>/<sha256>.wpk`` (DESIGN 2).

A blob's name is its SHA-256, so storing the same bytes twice is a no-op and a stored file can be checked
against its name at any time. Writes go through :func:`atom.storage.atomic_path` (temporary name, fsync,
rename): a reader never sees half a package, and nothing acknowledged is lost in a crash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from atom.storage import atomic_path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artifact_path(artifacts_dir: Path, digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{digest!r} is not a lowercase SHA-256 hex digest")
    return artifacts_dir / "sha256" / digest[:2] / f"{digest}.wpk"


def store_artifact(artifacts_dir: Path, data: bytes) -> tuple[str, Path]:
    """Store ``data`` durably under its digest; returns ``(sha256, path)``."""
    digest = sha256_hex(data)
    target = artifact_path(artifacts_dir, digest)
    if target.is_file() and target.stat().st_size == len(data):
        return digest, target
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return digest, target


def read_artifact(artifacts_dir: Path, digest: str) -> bytes:
    """The stored bytes, checked against their name (a corrupted blob is an error, not a package)."""
    data = artifact_path(artifacts_dir, digest).read_bytes()
    if sha256_hex(data) != digest:
        raise ValueError(f"artifact {digest} is corrupt: its content no longer matches its digest")
    return data
