"""The versioned price book (DESIGN 3.2, 3.8): publish a version (admin), read the version in force."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from atom.clock import today
from billing.periods import period_of
from billing.price_book import PriceBookVersionError, all_versions, publish_price_book, version_in_force
from ingest.api.deps import AdminKey, Context, DbSession, request_id
from ingest.api.errors import ApiError, error_responses

router = APIRouter(tags=["price book"])

MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
MAX_YAML_BYTES = 1_000_000


class PriceBookVersionOut(BaseModel):
    effective_from: str | None = Field(
        description="YYYY-MM; null for the file price book, in force from the beginning"
    )
    sha256: str
    currency: str
    plans: list[str]
    prices: list[str]
    metrics: list[str]
    created_by: str | None
    created_at: datetime | None
    yaml: str = Field(description="the price book exactly as published (DESIGN 3.2)")


class PriceBookInForce(PriceBookVersionOut):
    period: str


def _out(version, **extra) -> dict:  # type: ignore[no-untyped-def]
    book = version.book
    return {
        "effective_from": version.effective_from,
        "sha256": version.sha256,
        "currency": book.currency,
        "plans": [plan.id for plan in book.plans],
        "prices": [price.id for price in book.prices],
        "metrics": sorted(book.metrics),
        "created_by": version.created_by,
        "created_at": version.created_at,
        "yaml": version.yaml_text,
        **extra,
    }


@router.put(
    "/v1/price-book",
    status_code=201,
    response_model=PriceBookVersionOut,
    summary="Publish a price-book version (admin)",
    description="The body is the price book's YAML (DESIGN 3.2), `Content-Type: application/yaml`. It rates "
    "every month from `effective_from` until the next version's. 422 lists every problem, each saying what "
    "to fix; 409 when that month or a later one is already closed (finalized months are never re-rated). "
    "Publishing again for the same month replaces that version. Audited.",
    responses=error_responses(401, 403, 409, 413, 415, 422, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
)
async def publish_price_book_version(
    request: Request,
    principal: AdminKey,
    session: DbSession,
    ctx: Context,
    effective_from: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM")],
) -> dict:  # type: ignore[type-arg]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in YAML_TYPES:
        raise ApiError(
            415, "unsupported_media_type", "send the price book's YAML with Content-Type: application/yaml"
        )
    body = await request.body()
    if len(body) > MAX_YAML_BYTES:
        raise ApiError(413, "too_large", f"a price book is at most {MAX_YAML_BYTES:,} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_price_book", ["the body is not UTF-8 text"]) from None
    try:
        version = publish_price_book(
            session,
            text,
            effective_from,
            actor=f"{principal.role}:{principal.subject}",
            api_key_id=principal.key_id,
            request_id=request_id(request),
            file_path=ctx.settings.price_book_path,
        )
    except PriceBookVersionError as exc:
        raise ApiError(exc.status, exc.reason, exc.problems) from None
    return _out(version)


@router.get(
    "/v1/price-book",
    response_model=PriceBookInForce,
    summary="The price-book version in force in a month (admin)",
    responses=error_responses(401, 403, 404, 422, 429),
)
def get_price_book(
    _principal: AdminKey,
    session: DbSession,
    ctx: Context,
    period: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: the current month")
    ] = None,
) -> dict:  # type: ignore[type-arg]
    month = period or period_of(today(ctx.settings))
    versions = all_versions(session, ctx.settings.price_book_path)
    version = version_in_force(versions, month)
    if version is None:
        first = next((v.effective_from for v in versions), None)
        hint = f"the first version rates from {first}" if first else "none is published yet"
        raise ApiError(
            404, "no_price_book", f"no price book is in force in {month} ({hint}): PUT /v1/price-book"
        )
    return _out(version, period=month)


@router.get(
    "/v1/price-book/versions",
    response_model=list[PriceBookVersionOut],
    summary="Every price-book version, oldest first (admin)",
    responses=error_responses(401, 403, 429),
)
def list_price_book_versions(_principal: AdminKey, session: DbSession, ctx: Context) -> list[dict]:  # type: ignore[type-arg]
    return [_out(v) for v in all_versions(session, ctx.settings.price_book_path)]
