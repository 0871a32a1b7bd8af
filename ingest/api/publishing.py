"""Publishing a ``.wpk`` (DESIGN 3.4, 3.5): every check before anything is stored, then store and record.

Order, cheapest and least trusting first: the body size (413, enforced while streaming by the request
middleware), the archive's structure and limits (governance.archive, nothing extracted to disk), the
manifest (governance.manifest) and its publisher, the signature against the publisher's registered,
unrevoked keys (governance.signatures), package ownership and version immutability. Only then is the
archive written to the content-addressed store and the submission recorded as ``pending_scan``.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from atom.artifacts import store_artifact
from atom.opdb import Package, PackageVersion, PublisherKey, Submission
from atom.opdb.registry import utcnow
from governance.archive import ArchiveError, ArchiveLimits, read_archive
from governance.manifest import NAME_RE, SEMVER_RE, Manifest, parse_manifest
from governance.signatures import SignatureFormatError, decode_signature, verify_signature

MANIFEST_NAME = "wpk.toml"


class PublishError(ValueError):
    """A refused upload: ``status_code`` (403, 409, 422), a stable ``reason`` and what to fix."""

    def __init__(self, status_code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Published:
    submission: Submission
    manifest: Manifest


def package_id_for(name: str) -> str:
    """``slack-notify`` -> ``pkg_slack_notify``, the id convention of the operational DB."""
    return "pkg_" + name.replace("-", "_")


def check_archive(data: bytes, limits: ArchiveLimits) -> Manifest:
    """The archive's manifest, once the archive passed every structural and manifest rule."""
    try:
        archive = read_archive(data, limits)
    except ArchiveError as exc:
        status = 413 if exc.reason_code == "too_large" else 422
        raise PublishError(status, exc.reason_code, exc.message) from None
    raw = archive.members.get(MANIFEST_NAME)
    if raw is None:
        raise PublishError(
            422, "missing_manifest", f"no {MANIFEST_NAME} at the archive's root; build the .wpk with the SDK"
        )
    result = parse_manifest(raw)
    manifest = result.manifest
    if manifest is None:
        raise PublishError(422, "invalid_manifest", "; ".join(result.errors))
    # Name and version get their own reasons: they become the package's address and must be exact.
    if not NAME_RE.match(manifest.name or ""):
        raise PublishError(
            422, "bad_name", f"package.name {manifest.name!r} must be 3-64 characters of a-z, 0-9 and '-'"
        )
    if not SEMVER_RE.match(manifest.version or ""):
        raise PublishError(
            422,
            "bad_version",
            f"package.version {manifest.version!r} must be a semantic version such as 1.2.0",
        )
    if result.errors:
        raise PublishError(422, "invalid_manifest", "; ".join(result.errors))
    return manifest


def verify_against_keys(session: Session, publisher_id: str, data: bytes, signature: str) -> str:
    """The key id of the publisher's registered, unrevoked key that signed ``data``."""
    try:
        decode_signature(signature)
    except SignatureFormatError as exc:
        raise PublishError(422, "bad_signature", str(exc)) from None
    keys = list(session.scalars(select(PublisherKey).where(PublisherKey.publisher_id == publisher_id)))
    for key in keys:
        if key.revoked_at is None and verify_signature(data, signature, key.public_key_pem).is_valid:
            return key.key_id
    for key in keys:
        if key.revoked_at is not None and verify_signature(data, signature, key.public_key_pem).is_valid:
            raise PublishError(
                422,
                "revoked_key",
                f"signed with key {key.key_id}, revoked at {key.revoked_at:%Y-%m-%dT%H:%M:%SZ}; sign with an active key",
            )
    if not any(key.revoked_at is None for key in keys):
        raise PublishError(
            422,
            "no_signing_key",
            f"publisher {publisher_id} has no registered signing key; POST /v1/publishers/{publisher_id}/keys first",
        )
    raise PublishError(
        422,
        "bad_signature",
        "the signature does not verify against any registered key of this publisher: the file changed after "
        "signing, or another key signed it",
    )


def publish(
    session: Session,
    artifacts_dir: Path,
    *,
    publisher_id: str,
    api_key_id: str,
    data: bytes,
    signature: str,
    limits: ArchiveLimits,
) -> Published:
    manifest = check_archive(data, limits)
    if manifest.publisher != publisher_id:
        raise PublishError(
            422,
            "publisher_mismatch",
            f"wpk.toml says publisher = {manifest.publisher!r} but this key publishes for {publisher_id!r}",
        )
    signing_key_id = verify_against_keys(session, publisher_id, data, signature)
    package_id = package_id_for(manifest.name)
    package = session.scalars(select(Package).where(Package.name == manifest.name)).one_or_none()
    if package is not None and package.publisher_id != publisher_id:
        raise PublishError(
            403, "package_owned_by_other", f"package {manifest.name} belongs to another publisher"
        )
    existing = session.get(PackageVersion, (package.id if package else package_id, manifest.version))
    if existing is not None:
        raise PublishError(
            409,
            "version_exists",
            f"{manifest.name} {manifest.version} was already published; versions are immutable, bump the version",
        )
    digest, path = store_artifact(artifacts_dir, data)
    now = utcnow()
    if package is None:
        package = Package(
            id=package_id,
            name=manifest.name,
            publisher_id=publisher_id,
            category=None,
            description=manifest.description or None,
            created_at=now,
        )
        session.add(package)
    session.add(
        PackageVersion(
            package_id=package.id,
            version=manifest.version,
            status="pending_scan",
            published_at=now,
            sha256=digest,
        )
    )
    submission = Submission(
        id=f"sub_{secrets.token_hex(10)}",
        publisher_id=publisher_id,
        package_id=package.id,
        package_name=manifest.name,
        version=manifest.version,
        sha256=digest,
        size_bytes=len(data),
        artifact_path=str(path),
        signature="".join(signature.split()),
        signing_key_id=signing_key_id,
        manifest_json=orjson.dumps(
            {k: v for k, v in dataclasses.asdict(manifest).items() if k != "raw"}
        ).decode(),
        status="pending_scan",
        submitted_at=now,
        submitted_by_key_id=api_key_id,
    )
    session.add(submission)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent upload of the same version won the race; the stored blob is harmless (content-addressed).
        session.rollback()
        raise PublishError(
            409, "version_exists", f"{manifest.name} {manifest.version} was already published"
        ) from None
    return Published(submission, manifest)
