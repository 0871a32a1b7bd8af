"""Package installs (DESIGN 3.8): a tenant installs an approved, unyanked version; the marketplace metrics
count these events (raw.operational_installs -> stg_operational__installs -> marts/marketplace)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from atom import clock
from atom.opdb import Install
from governance.manifest import NAME_RE
from ingest.api.audit import record_audit
from ingest.api.deps import Context, CurrentKey, DbSession, request_id
from ingest.api.errors import error_responses, forbidden
from ingest.api.routers.packages import downloadable

router = APIRouter(tags=["installs"])


class InstallIn(BaseModel):
    package: str = Field(pattern=NAME_RE.pattern, examples=["slack-notify"], description="package name")
    version: str = Field(max_length=64, examples=["1.2.0"])


class InstallOut(BaseModel):
    install_id: int
    tenant_id: str
    package: str
    package_id: str
    version: str
    installed_at: datetime


@router.post(
    "/v1/installs",
    status_code=201,
    response_model=InstallOut,
    summary="The calling tenant installs an approved version (tenant)",
    # installed_at is the platform's clock (ATOM_TODAY when pinned), as the marts' months are.
    description="404 when the version is not approved, is yanked or has no stored artifact.",
    responses=error_responses(401, 403, 404, 422, 429),
)
def create_install(
    body: InstallIn, principal: CurrentKey, session: DbSession, ctx: Context, request: Request
) -> InstallOut:
    if principal.role != "tenant":
        raise forbidden("only a tenant key installs packages: the install belongs to that tenant")
    package, _submission = downloadable(session, body.package, body.version)
    row = Install(
        tenant_id=principal.subject,
        package_id=package.id,
        version=body.version,
        installed_at=clock.naive_now(ctx.settings),
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        principal,
        action="package.install",
        target_type="package_version",
        target_id=f"{body.package}@{body.version}",
        details={"install_id": row.id},
        request_id=request_id(request),
    )
    return InstallOut(
        install_id=row.id,
        tenant_id=row.tenant_id,
        package=body.package,
        package_id=package.id,
        version=row.version,
        installed_at=row.installed_at,
    )
