"""``POST /v1/webhooks/stripe`` (DESIGN 3.8): Stripe's payment news moves invoices to paid, uncollectible
or void, and records what has been paid on them (partial payments, decision 0703). No API key: the ``Stripe-Signature`` header is the authentication; a forged or stale one is 400
and changes nothing. Redeliveries of an event id are answered 200 and ignored."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from atom.opdb import session_scope
from billing.webhooks import EventOutcome, SignatureError, apply_event, verify_event
from ingest.api.deps import get_context
from ingest.api.errors import ApiError

router = APIRouter(tags=["billing"])


class WebhookAnswer(BaseModel):
    event_id: str
    outcome: str
    invoice_number: str | None = None
    status: str | None = None
    amount_paid: str | None = Field(
        None, description="The invoice's amount paid after the event, a decimal string in major units"
    )


@router.post(
    "/v1/webhooks/stripe",
    response_model=WebhookAnswer,
    summary="Stripe webhook",
    responses={400: {"description": "Missing, forged or stale Stripe-Signature"}},
)
async def stripe_webhook(request: Request) -> WebhookAnswer:
    ctx = get_context(request)
    secret = ctx.settings.stripe_webhook_secret
    if not secret:
        raise ApiError(503, "webhook_not_configured", "set STRIPE_WEBHOOK_SECRET to receive Stripe webhooks")
    payload = await request.body()
    try:
        event = verify_event(payload, request.headers.get("stripe-signature"), secret.get_secret_value())
    except SignatureError as exc:
        raise ApiError(400, "bad_signature", str(exc)) from exc

    def apply() -> EventOutcome:
        with session_scope(ctx.engine) as session:
            return apply_event(session, event)

    outcome = await run_in_threadpool(apply)
    return WebhookAnswer(**outcome.__dict__)
