"""The package registry: publish (publisher), list approved packages (any key), yank (publisher or admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atom.artifacts import read_artifact
from atom.opdb import Package, PackageVersion, PackageYank, Submission, session_scope
from atom.opdb.registry import utcnow
from atom.opdb.reviews import cancel_rejections_fixed_by
from governance.manifest import NAME_RE, SEMVER_RE
from ingest.api.audit import record_audit
from ingest.api.context import ApiContext
from ingest.api.deps import Context, CurrentKey, DbSession, request_id
from ingest.api.errors import ApiError, error_responses, forbidden, not_found
from ingest.api.keys import Principal
from ingest.api.publishing import Published, PublishError, publish

router = APIRouter(tags=["packages"])

PackageName = Annotated[str, Path(pattern=NAME_RE.pattern, description="[a-z0-9-], 3-64 characters")]
Version = Annotated[str, Path(max_length=64, description="semantic version")]


class SubmissionAccepted(BaseModel):
    submission_id: str
    status: str
    package: str
    version: str
    sha256: str


class VersionOut(BaseModel):
    version: str
    sha256: str | None
    published_at: datetime
    yanked: bool
    yank_reason: str | None


class PackageOut(BaseModel):
    name: str
    package_id: str
    publisher_id: str
    description: str | None
    versions: list[VersionOut]


class YankIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why, shown to people who pinned it")


class YankOut(BaseModel):
    package: str
    version: str
    yanked_at: datetime
    reason: str


@router.post(
    "/v1/packages",
    status_code=202,
    response_model=SubmissionAccepted,
    summary="Publish a signed .wpk (publisher)",
    description=(
        "Multipart: `file` (the .wpk) and `signature` (base64, DESIGN 3.5). Refused before anything is stored: "
        "413 too large; 422 with a `reason` for hostile or malformed archives (absolute_path, path_traversal, "
        "symlink, too_many_files, compression_ratio, uncompressed_too_large, not_a_zip, missing_manifest, "
        "invalid_manifest, bad_name, bad_version, publisher_mismatch, bad_signature, revoked_key, no_signing_key); "
        "409 version_exists (versions are immutable). Accepted uploads wait for governance as `pending_scan`."
    ),
    responses=error_responses(401, 403, 409, 413, 422, 429),
)
async def publish_package(
    request: Request,
    principal: CurrentKey,
    ctx: Context,
    file: Annotated[UploadFile, File(description="the .wpk archive")],
    signature: Annotated[str, Form(max_length=8192, description="base64 detached signature of the file")],
) -> SubmissionAccepted:
    if principal.role != "publisher":
        raise forbidden("only publisher keys publish packages; a package is published by its own publisher")
    data = await file.read()
    try:
        published = await run_in_threadpool(_publish, ctx, principal, data, signature, request_id(request))
    except PublishError as exc:
        ctx.metrics.uploads.labels(exc.reason).inc()
        request.state.log_fields = {"upload_refused": exc.reason}
        raise ApiError(exc.status_code, exc.reason, exc.message) from None
    ctx.metrics.uploads.labels("accepted").inc()
    sub = published.submission
    return SubmissionAccepted(
        submission_id=sub.id,
        status=sub.status,
        package=sub.package_name,
        version=sub.version,
        sha256=sub.sha256,
    )


def _publish(
    ctx: ApiContext, principal: Principal, data: bytes, signature: str, req_id: str | None
) -> Published:
    with session_scope(ctx.engine) as session:
        published = publish(
            session,
            ctx.settings.artifacts_dir,
            publisher_id=principal.subject,
            api_key_id=principal.key_id,
            data=data,
            signature=signature,
            limits=ctx.config.archive_limits,
        )
        sub = published.submission
        record_audit(
            session,
            principal,
            action="package.publish",
            target_type="submission",
            target_id=sub.id,
            details={
                "package": sub.package_name,
                "version": sub.version,
                "sha256": sub.sha256,
                "signing_key_id": sub.signing_key_id,
            },
            request_id=req_id,
        )
        # A higher version is the fix a delayed rejection waits for (decision 0053): cancel it, audited.
        cancel_rejections_fixed_by(
            session, sub, actor=f"{principal.role}:{principal.subject}", api_key_id=principal.key_id
        )
    return published


def _approved_versions(session: Session, package_ids: list[str] | None = None) -> dict[str, list[VersionOut]]:
    """Approved versions by package id: the version's own status, or an approved submission for it."""
    approved_submission = (
        select(Submission.id)
        .where(
            Submission.package_id == PackageVersion.package_id,
            Submission.version == PackageVersion.version,
            Submission.status == "approved",
        )
        .exists()
    )
    query = (
        select(PackageVersion, PackageYank)
        .outerjoin(
            PackageYank,
            (PackageYank.package_id == PackageVersion.package_id)
            & (PackageYank.version == PackageVersion.version),
        )
        .where(or_(PackageVersion.status == "approved", approved_submission))
        .order_by(PackageVersion.package_id, PackageVersion.published_at)
    )
    if package_ids is not None:
        query = query.where(PackageVersion.package_id.in_(package_ids))
    out: dict[str, list[VersionOut]] = {}
    for version, yank in session.execute(query):
        out.setdefault(version.package_id, []).append(
            VersionOut(
                version=version.version,
                sha256=version.sha256,
                published_at=version.published_at,
                yanked=yank is not None,
                yank_reason=yank.reason if yank else None,
            )
        )
    return out


def _package_out(package: Package, versions: list[VersionOut]) -> PackageOut:
    return PackageOut(
        name=package.name,
        package_id=package.id,
        publisher_id=package.publisher_id,
        description=package.description,
        versions=versions,
    )


@router.get(
    "/v1/packages",
    response_model=list[PackageOut],
    summary="Approved packages and their approved versions (any key)",
    responses=error_responses(401, 429),
)
def list_packages(_principal: CurrentKey, session: DbSession) -> list[PackageOut]:
    versions = _approved_versions(session)
    if not versions:
        return []
    packages = session.scalars(select(Package).where(Package.id.in_(list(versions))).order_by(Package.name))
    return [_package_out(p, versions[p.id]) for p in packages]


@router.get(
    "/v1/packages/{name}",
    response_model=PackageOut,
    summary="One approved package and its approved versions (any key)",
    responses=error_responses(401, 404, 422, 429),
)
def get_package(name: PackageName, _principal: CurrentKey, session: DbSession) -> PackageOut:
    package = session.scalars(select(Package).where(Package.name == name)).one_or_none()
    versions = _approved_versions(session, [package.id]).get(package.id) if package else None
    if package is None or not versions:
        raise not_found(f"no approved package {name}")
    return _package_out(package, versions)


@router.post(
    "/v1/packages/{name}/versions/{version}/yank",
    response_model=YankOut,
    summary="Yank a version (its publisher or admin): the file stays, the reason is recorded",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def yank_version(
    name: PackageName,
    version: Version,
    body: YankIn,
    principal: CurrentKey,
    session: DbSession,
    request: Request,
) -> YankOut:
    if not SEMVER_RE.match(version):
        raise ApiError(422, "bad_version", f"{version!r} is not a semantic version")
    package = session.scalars(select(Package).where(Package.name == name)).one_or_none()
    if package is None or session.get(PackageVersion, (package.id, version)) is None:
        raise not_found(f"no version {version} of package {name}")
    if not principal.acts_for_publisher(package.publisher_id):
        raise forbidden(f"only publisher {package.publisher_id} or an admin may yank {name}")
    if session.get(PackageYank, (package.id, version)) is not None:
        raise ApiError(409, "already_yanked", f"{name} {version} is already yanked")
    yank = PackageYank(
        package_id=package.id,
        version=version,
        reason=body.reason,
        yanked_at=utcnow(),
        yanked_by_key_id=principal.key_id,
    )
    session.add(yank)
    record_audit(
        session,
        principal,
        action="package.yank",
        target_type="package_version",
        target_id=f"{name}@{version}",
        details={"reason": body.reason},
        request_id=request_id(request),
    )
    return YankOut(package=name, version=version, yanked_at=yank.yanked_at, reason=yank.reason)


def downloadable(session: Session, name: str, version: str) -> tuple[Package, Submission]:
    """An approved, unyanked version with its stored artifact and signature; 404 otherwise."""
    package = session.scalars(select(Package).where(Package.name == name)).one_or_none()
    versions = _approved_versions(session, [package.id]).get(package.id, []) if package else []
    match = next((v for v in versions if v.version == version), None)
    if package is None or match is None:
        raise not_found(f"no approved version {version} of package {name}")
    if match.yanked:
        raise not_found(f"{name} {version} was yanked: {match.yank_reason}")
    submission = session.scalars(
        select(Submission).where(Submission.package_id == package.id, Submission.version == version)
    ).one_or_none()
    if submission is None:
        raise not_found(f"{name} {version} has no stored artifact (it was not published through the API)")
    return package, submission


@router.get(
    "/v1/packages/{name}/versions/{version}/download",
    summary="Download an approved, unyanked version's .wpk (any key), its signature in X-Atom-Signature",
    description=(
        "The exact bytes that were published and signed. Headers: `X-Atom-Signature` (DESIGN 3.5 base64), "
        "`X-Atom-Key-Id` (the signing key, see `GET /v1/publishers/{id}/public-keys`), `X-Atom-Publisher`, "
        "`X-Atom-Sha256`. Verify the signature before running the package (the SDKs do). 404 for a version "
        "that is not approved, yanked or unknown."
    ),
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "the .wpk archive"},
        **error_responses(401, 404, 422, 429),
    },
)
def download_version(
    name: PackageName, version: Version, _principal: CurrentKey, session: DbSession, ctx: Context
) -> Response:
    package, submission = downloadable(session, name, version)
    try:
        data = read_artifact(ctx.settings.artifacts_dir, submission.sha256)
    except (OSError, ValueError):
        raise ApiError(
            500, "artifact_unavailable", f"the stored file of {name} {version} is missing or corrupt"
        ) from None
    return Response(
        content=data,
        media_type="application/zip",
        headers={
            "X-Atom-Signature": submission.signature.strip(),
            "X-Atom-Key-Id": submission.signing_key_id,
            "X-Atom-Publisher": package.publisher_id,
            "X-Atom-Sha256": submission.sha256,
            "Content-Disposition": f'attachment; filename="{name}-{version}.wpk"',
        },
    )
