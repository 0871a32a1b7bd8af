"""Tenants: create and list (admin); their plan and lifecycle state (admin: billing/subscriptions.py);
a tenant's usage and invoices (that tenant or admin)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from atom.opdb import Tenant
from atom.opdb.registry import utcnow
from billing.subscriptions import (
    Actor,
    LifecycleError,
    current_state,
    end_subscription,
    set_status,
    set_subscription,
    subscriptions_of,
)
from ingest.api import serving
from ingest.api.audit import record_audit
from ingest.api.deps import AdminKey, Context, CurrentKey, DbSession, request_id
from ingest.api.errors import ApiError, error_responses, forbidden
from ingest.api.keys import Principal

router = APIRouter(tags=["tenants"])

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"
# Years 1900-2099: a billing month outside them is a typo, and date arithmetic stays in range.
PERIOD_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
TenantId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80)]


class TenantIn(BaseModel):
    id: str = Field(pattern=ID_PATTERN, max_length=80, examples=["ten_acme"])
    name: str = Field(min_length=1, max_length=200)
    segment: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class TenantOut(BaseModel):
    id: str
    name: str
    segment: str | None
    country: str | None
    created_at: datetime


class MetricUsage(BaseModel):
    metric: str
    package_id: str | None
    event_count: int
    aggregation: str | None = Field(
        description="the metric's aggregation in the price-book version in force in the month "
        "(count, sum, max, unique_count, latest, weighted_sum); null when that version does not define it"
    )
    quantity: str = Field(
        description="the month's quantity by the metric's aggregation (a max metric's largest reading, a "
        "unique_count metric's distinct values; the sum when aggregation is null), exact decimal text"
    )
    quantity_sum: str = Field(description="the sum of the events' quantities, exact decimal text")


class TenantUsage(BaseModel):
    tenant_id: str
    period: str
    metrics: list[MetricUsage]


class InvoiceOut(BaseModel):
    number: str | None
    period: str
    status: str
    currency: str
    total: str
    usage_amount: str
    recurring_amount: str
    line_count: int


class TenantInvoices(BaseModel):
    tenant_id: str
    invoices: list[InvoiceOut]


def _out(tenant: Tenant) -> TenantOut:
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        segment=tenant.segment,
        country=tenant.country,
        created_at=tenant.created_at,
    )


def _check_tenant(principal: Principal, tenant_id: str) -> None:
    if not principal.acts_for_tenant(tenant_id):
        raise forbidden(f"this key acts for {principal.role} {principal.subject}, not for tenant {tenant_id}")


@router.post(
    "/v1/tenants",
    status_code=201,
    response_model=TenantOut,
    summary="Create a tenant (admin)",
    responses=error_responses(401, 403, 409, 422, 429),
)
def create_tenant(
    body: TenantIn, principal: AdminKey, session: DbSession, ctx: Context, request: Request
) -> TenantOut:
    tenant = Tenant(
        id=body.id, name=body.name, segment=body.segment, country=body.country, created_at=utcnow()
    )
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError:
        raise ApiError(409, "already_exists", f"tenant {body.id} already exists") from None
    record_audit(
        session,
        principal,
        action="tenant.create",
        target_type="tenant",
        target_id=body.id,
        details=body.model_dump(),
        request_id=request_id(request),
    )
    session.commit()  # the tenant cache reloads from the database: it must see this tenant
    ctx.tenants.refresh()
    return _out(tenant)


@router.get(
    "/v1/tenants",
    response_model=list[TenantOut],
    summary="List tenants (admin)",
    responses=error_responses(401, 403, 429),
)
def list_tenants(_principal: AdminKey, session: DbSession) -> list[TenantOut]:
    return [_out(t) for t in session.scalars(select(Tenant).order_by(Tenant.id))]


@router.get(
    "/v1/tenants/{tenant_id}/usage",
    response_model=TenantUsage,
    summary="A tenant's usage in a month, by metric and package",
    description="From the serving snapshot of the last build: events accepted since then appear after the next build.",
    responses=error_responses(401, 403, 422, 429, 503),
)
async def tenant_usage(
    tenant_id: TenantId,
    principal: CurrentKey,
    ctx: Context,
    period: Annotated[str, Query(pattern=PERIOD_PATTERN, description="YYYY-MM (UTC calendar month)")],
) -> TenantUsage:
    _check_tenant(principal, tenant_id)
    rows = await run_in_threadpool(
        _snapshot_read, serving.usage_by_metric, ctx.settings.serving_path, tenant_id, period
    )
    return TenantUsage(
        tenant_id=tenant_id,
        period=period,
        metrics=[
            MetricUsage(
                metric=r["metric"],
                package_id=r["package_id"],
                event_count=int(r["event_count"]),
                aggregation=r["aggregation"],
                quantity=serving.decimal_text(r["metric_quantity"]) or "0",
                quantity_sum=serving.decimal_text(r["quantity"]) or "0",
            )
            for r in rows
        ],
    )


@router.get(
    "/v1/tenants/{tenant_id}/invoices",
    response_model=TenantInvoices,
    summary="A tenant's invoices",
    responses=error_responses(401, 403, 422, 429, 503),
)
async def tenant_invoices(tenant_id: TenantId, principal: CurrentKey, ctx: Context) -> TenantInvoices:
    _check_tenant(principal, tenant_id)
    rows = await run_in_threadpool(
        _snapshot_read, serving.list_invoices, ctx.settings.serving_path, tenant_id
    )
    return TenantInvoices(
        tenant_id=tenant_id,
        invoices=[
            InvoiceOut(
                number=r["number"],
                period=r["period"],
                status=r["status"],
                currency=r["currency"],
                total=serving.decimal_text(r["total_amount"]) or "0",
                usage_amount=serving.decimal_text(r["usage_amount"]) or "0",
                recurring_amount=serving.decimal_text(r["recurring_amount"]) or "0",
                line_count=int(r["line_count"]),
            )
            for r in rows
        ],
    )


def _snapshot_read(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except serving.SnapshotMissing as exc:
        raise ApiError(503, "no_snapshot", str(exc)) from None


# -- plans and lifecycle (DESIGN 3.8) ----------------------------------------------------------------------


class SubscriptionIn(BaseModel):
    plan_id: str = Field(min_length=1, max_length=64, examples=["team"])
    effective_on: date = Field(description="YYYY-MM-DD: the first day the tenant holds the plan")


class SubscriptionOut(BaseModel):
    id: str
    plan_id: str
    started_on: date
    ended_on: date | None = Field(description="the first day no longer held; null while it runs")
    is_trial: bool


class TenantPlan(BaseModel):
    tenant_id: str
    status: str | None = Field(description="the latest lifecycle state (dim_tenants.current_state)")
    subscriptions: list[SubscriptionOut]


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "churned"]
    effective_on: date | None = Field(
        default=None, description="churned only: the day the plan ends (default: today)"
    )


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor(f"{principal.role}:{principal.subject}", principal.key_id, request_id(request))


def _plan(session: Any, tenant_id: str) -> TenantPlan:
    return TenantPlan(
        tenant_id=tenant_id,
        status=current_state(session, tenant_id),
        subscriptions=[
            SubscriptionOut(
                id=s.id, plan_id=s.plan_id, started_on=s.started_on, ended_on=s.ended_on, is_trial=s.is_trial
            )
            for s in subscriptions_of(session, tenant_id)
        ],
    )


def _lifecycle(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except LifecycleError as exc:
        raise ApiError(exc.status, exc.reason, exc.detail) from None


@router.get(
    "/v1/tenants/{tenant_id}/subscription",
    response_model=TenantPlan,
    summary="A tenant's state and plans over time (admin)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_tenant_subscription(tenant_id: TenantId, _principal: AdminKey, session: DbSession) -> TenantPlan:
    if session.get(Tenant, tenant_id) is None:
        raise ApiError(404, "not_found", f"no tenant {tenant_id}")
    return _plan(session, tenant_id)


@router.put(
    "/v1/tenants/{tenant_id}/subscription",
    response_model=TenantPlan,
    summary="Put a tenant on a plan from a day on (admin)",
    description="The plan must be one of the `plans` of the price book in force in that day's month (422 "
    "otherwise). Whatever the tenant held on that day ends there, so a change within a month is prorated "
    "by day (DESIGN 3.2.8). 409 when that month is already closed. Audited.",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def put_tenant_subscription(
    tenant_id: TenantId,
    body: SubscriptionIn,
    principal: AdminKey,
    session: DbSession,
    ctx: Context,
    request: Request,
) -> TenantPlan:
    _lifecycle(
        set_subscription,
        session,
        tenant_id,
        body.plan_id,
        body.effective_on,
        _actor(principal, request),
        price_book_file=ctx.settings.price_book_path,
    )
    return _plan(session, tenant_id)


@router.delete(
    "/v1/tenants/{tenant_id}/subscription",
    response_model=TenantPlan,
    summary="End a tenant's plan from a day on (admin)",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def delete_tenant_subscription(
    tenant_id: TenantId,
    principal: AdminKey,
    session: DbSession,
    request: Request,
    effective_on: Annotated[date, Query(description="YYYY-MM-DD: the first day without a plan")],
) -> TenantPlan:
    _lifecycle(end_subscription, session, tenant_id, effective_on, _actor(principal, request))
    return _plan(session, tenant_id)


@router.patch(
    "/v1/tenants/{tenant_id}",
    response_model=TenantPlan,
    summary="Change a tenant's lifecycle state (admin)",
    description="`active`, `suspended` or `churned`; audited, shown in dim_tenants.current_state. Churning "
    "also ends the tenant's plan on `effective_on` (default today), so MRR shows the churn; a suspension "
    "keeps the plan.",
    responses=error_responses(401, 403, 404, 409, 422, 429),
)
def patch_tenant(
    tenant_id: TenantId,
    body: StatusIn,
    principal: AdminKey,
    session: DbSession,
    request: Request,
) -> TenantPlan:
    _lifecycle(
        set_status,
        session,
        tenant_id,
        body.status,
        _actor(principal, request),
        effective_on=body.effective_on,
    )
    return _plan(session, tenant_id)
