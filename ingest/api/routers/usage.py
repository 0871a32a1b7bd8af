"""``POST /v1/usage``: usage intake (DESIGN 3.1, 3.8); the rules are in :mod:`ingest.api.intake`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from atom import clock
from atom.opdb import session_scope
from ingest.api.audit import record_audit
from ingest.api.context import ApiContext
from ingest.api.deps import CurrentKey, get_context
from ingest.api.errors import ApiError, error_responses, forbidden, json_response
from ingest.api.intake import (
    Batch,
    IntakeRequestError,
    Outcome,
    classify,
    first_occurrences,
    parse_body,
    payload,
    resolve,
    tenant_ids,
)
from ingest.api.keys import Principal
from ingest.landing import Manifest, land_bytes
from ingest.validation import Window

router = APIRouter(tags=["usage"])

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "tenant_id", "metric", "quantity", "timestamp"],
    "properties": {
        "id": {"type": "string", "description": "chosen by the sender; (tenant_id, id) counts once"},
        "tenant_id": {"type": "string"},
        "metric": {"type": "string", "description": "a metric of the price book"},
        "quantity": {"oneOf": [{"type": "string"}, {"type": "number"}], "description": "decimal >= 0"},
        "timestamp": {"type": "string", "format": "date-time"},
        "package_id": {"type": ["string", "null"]},
        "properties": {"type": "object"},
    },
}
_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "array", "items": _EVENT_SCHEMA, "maxItems": 10_000},
                    {
                        "type": "object",
                        "required": ["events"],
                        "properties": {
                            "events": {"type": "array", "items": _EVENT_SCHEMA, "maxItems": 10_000}
                        },
                    },
                ]
            }
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "one event (JSON object) a line"}
        },
    },
}


class EventErrorOut(BaseModel):
    index: int
    reason: str
    detail: str


class UsageAccepted(BaseModel):
    received: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[EventErrorOut]


@router.post(
    "/v1/usage",
    status_code=202,
    response_model=UsageAccepted,
    summary="Report usage events",
    description=(
        'A JSON array of events, `{"events": [...]}` or NDJSON (`Content-Type: application/x-ndjson`), at '
        "most 10,000 a request (413 beyond). The batch is durable in the landing zone before the 202. "
        "Invalid events are reported by index with their reason (the loader's rules: one definition of a valid "
        "event) and never billed; the valid ones are kept. Requests with a JSON object that repeats a key or "
        "nests deeper than 32 levels are 422 (NDJSON: that line is rejected). Repeats of an accepted `(tenant_id, id)` count as duplicates, with other content as "
        "`duplicate_id_conflict`. A tenant key may send only its own `tenant_id`: any other makes the whole "
        "request 403 and nothing lands."
    ),
    responses=error_responses(401, 403, 413, 415, 422, 429),
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def post_usage(
    request: Request, principal: CurrentKey, ctx: Annotated[ApiContext, Depends(get_context)]
) -> Response:
    if principal.role not in ("tenant", "admin"):
        raise forbidden("only tenant and admin keys may report usage")
    # Bodies in flight are bounded in bytes across requests (ApiConfig.max_usage_bytes_in_flight): a burst
    # of large requests waits for memory instead of exhausting it.
    declared = request.headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else ctx.config.max_usage_body_bytes
    async with ctx.body_budget.hold(min(size, ctx.config.max_usage_body_bytes)):
        body = await request.body()
        received_at = clock.now(ctx.settings)
        # Parsing and classifying 10,000 events (or a 30 MiB body) takes CPU seconds: never on the loop.
        answer, details = await run_in_threadpool(
            _intake,
            ctx,
            body,
            request.headers.get("content-type", ""),
            principal,
            received_at,
            getattr(request.state, "request_id", None),
        )
    if details:
        request.state.log_fields = {k: v for k, v in details.items() if k != "file"}
    return json_response(answer, status_code=202)


def _intake(
    ctx: ApiContext,
    body: bytes,
    content_type: str,
    principal: Principal,
    received_at: datetime,
    request_id: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        records = parse_body(body, content_type, ctx.config.max_events)
    except IntakeRequestError as exc:
        raise ApiError(exc.status_code, exc.reason, exc.message) from None
    del body
    only_tenant = None if principal.is_admin else principal.subject
    window = Window.around(received_at, ctx.settings.atom_event_max_age_days)
    # Tenants named here and not yet in this worker's cache are read through from the operational DB: a
    # tenant created a moment ago by another worker is never answered unknown_tenant.
    tenants = ctx.tenants.known(tenant_ids(records))
    batch = classify(
        records, metrics=ctx.metrics_ids.get(), tenants=tenants, only_tenant=only_tenant, window=window
    )
    if batch.foreign_tenant_indexes:
        shown = ", ".join(str(i) for i in batch.foreign_tenant_indexes[:10])
        raise forbidden(
            f"this key reports usage for tenant {principal.subject} only; events at index {shown} name another "
            "tenant (nothing of this request was stored)"
        )
    if batch.received == 0:
        return {"received": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "errors": []}, {}
    outcome, details = _persist(ctx, batch, principal, request_id, Manifest(only_tenant, received_at))
    ctx.metrics.events.labels("accepted").inc(outcome.accepted)
    ctx.metrics.events.labels("duplicate").inc(outcome.duplicates)
    ctx.metrics.events.labels("rejected").inc(outcome.rejected)
    answer = {
        "received": batch.received,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "rejected": outcome.rejected,
        "errors": [{"index": e.index, "reason": e.reason, "detail": e.detail} for e in outcome.errors],
    }
    return answer, details


def _persist(
    ctx: ApiContext, batch: Batch, principal: Principal, request_id: str | None, manifest: Manifest
) -> tuple[Outcome, dict[str, Any]]:
    """Claim ids, land the batch durably (pinned to the key's tenant), audit it."""
    first = first_occurrences(batch)
    known = ctx.recent_ids.check_and_claim(first)
    outcome = resolve(batch, known)
    try:
        landed = land_bytes(
            ctx.settings.landing_dir,
            payload(batch, outcome.errors),
            ".ndjson",
            landing_date=manifest.received_at.astimezone(UTC).date(),  # the platform's day (atom/clock.py)
            manifest=manifest,
        )
    except BaseException:
        ctx.recent_ids.release([k for k in first if k not in known])
        raise
    details: dict[str, Any] = {
        "file": f"{landed.parent.name}/{landed.name}",
        "received": batch.received,
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "rejected": outcome.rejected,
    }
    with session_scope(ctx.engine) as session:
        record_audit(
            session,
            principal,
            action="usage.land",
            target_type="usage_batch",
            target_id=details["file"],
            details=details,
            request_id=request_id,
        )
    return outcome, details
