"""Stripe, behind one small interface: the live client (the official ``stripe`` library) or a dry run.

Every request carries an idempotency key and is written to ``stripe_requests``. In dry-run mode (no
STRIPE_API_KEY) that row is the outbox: the request Stripe would have received, with a made-up object id.
Live, the row is written after Stripe answered; a rerun reuses the recorded object id, and a request whose
answer was lost (a crash, a dropped connection) is resent with the same key, which Stripe answers with the
saved response instead of creating a second object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

import stripe

# Requests this integration makes: name -> (HTTP method, path template, id prefix for dry runs).
ENDPOINTS: dict[str, tuple[str, str, str]] = {
    "customers.create": ("POST", "/v1/customers", "cus"),
    "invoices.create": ("POST", "/v1/invoices", "in"),
    "invoice_items.create": ("POST", "/v1/invoiceitems", "ii"),
    "invoices.finalize": ("POST", "/v1/invoices/{id}/finalize", "in"),
    "transfers.create": ("POST", "/v1/transfers", "tr"),
    "invoices.void": ("POST", "/v1/invoices/{id}/void", "in"),
    "credit_notes.create": ("POST", "/v1/credit_notes", "cn"),
}


class StripeGateway(Protocol):
    mode: str  # "live" | "dry_run"

    def send(
        self, endpoint: str, params: Mapping[str, Any], idempotency_key: str, object_id: str | None = None
    ) -> str:
        """Send one request; returns the id of the object Stripe created or changed."""
        ...


class DryRunGateway:
    """Sends nothing; ids are derived from the idempotency key so reruns agree with each other."""

    mode = "dry_run"

    def send(
        self, endpoint: str, params: Mapping[str, Any], idempotency_key: str, object_id: str | None = None
    ) -> str:
        if object_id is not None:
            return object_id
        prefix = ENDPOINTS[endpoint][2]
        return f"{prefix}_dry_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]}"


class LiveGateway:
    """The official client; ``api_base`` points it at another server (a Stripe mock, a test server)."""

    mode = "live"

    def __init__(self, api_key: str, api_base: str | None = None, max_network_retries: int = 2) -> None:
        base: Any = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            api_key, base_addresses=base, max_network_retries=max_network_retries
        )

    def send(
        self, endpoint: str, params: Mapping[str, Any], idempotency_key: str, object_id: str | None = None
    ) -> str:
        v1 = self._client.v1
        options: Any = {"idempotency_key": idempotency_key}
        body: Any = dict(params)
        if endpoint == "customers.create":
            result: Any = v1.customers.create(body, options)
        elif endpoint == "invoices.create":
            result = v1.invoices.create(body, options)
        elif endpoint == "invoice_items.create":
            result = v1.invoice_items.create(body, options)
        elif endpoint == "invoices.finalize":
            if object_id is None:
                raise ValueError("invoices.finalize needs the Stripe invoice id")
            result = v1.invoices.finalize_invoice(object_id, body, options)
        elif endpoint == "transfers.create":
            result = v1.transfers.create(body, options)
        elif endpoint == "invoices.void":
            if object_id is None:
                raise ValueError("invoices.void needs the Stripe invoice id")
            result = v1.invoices.void_invoice(object_id, body, options)
        elif endpoint == "credit_notes.create":
            result = v1.credit_notes.create(body, options)
        else:
            raise ValueError(f"unknown Stripe endpoint {endpoint!r}: add it to ENDPOINTS")
        return str(result.id)


def make_gateway(api_key: str | None, api_base: str | None = None) -> StripeGateway:
    """Live with a key, dry run without one (DESIGN 3.3)."""
    return LiveGateway(api_key, api_base) if api_key else DryRunGateway()
