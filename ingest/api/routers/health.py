"""Liveness and Prometheus metrics; no key needed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from ingest.api.deps import get_context
from ingest.api.observability import exposition

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    ctx = get_context(request)
    payload, media_type = exposition(ctx.settings, ctx.metrics.registry)
    return Response(payload, media_type=media_type)
