"""Turning arguments into the wire form of a usage event, cheaply: the batching recorder calls this
once per event, so it builds plain dicts instead of validating a pydantic model each time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from atom_sdk.ids import new_event_id
from atom_sdk.models import UsageEvent, format_quantity, format_timestamp

MAX_EVENTS_PER_REQUEST = 10_000  # DESIGN 3.8


def make_event(
    tenant_id: str,
    metric: str,
    quantity: Decimal | int | str | float = 1,
    *,
    timestamp: datetime | str | None = None,
    package_id: str | None = None,
    properties: Mapping[str, Any] | None = None,
    id: str | None = None,
) -> dict[str, Any]:
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ValueError("tenant_id must be a non-empty string such as 'ten_acme'")
    if not isinstance(metric, str) or not metric:
        raise ValueError("metric must be a non-empty string such as 'workflow_runs'")
    if timestamp is None:
        stamp = format_timestamp(datetime.now(UTC))
    elif isinstance(timestamp, datetime):
        stamp = format_timestamp(timestamp)
    else:
        stamp = timestamp  # already RFC 3339 text; the API validates it
    return {
        "id": id or new_event_id(),
        "tenant_id": tenant_id,
        "metric": metric,
        "quantity": str(quantity) if type(quantity) is int and quantity >= 0 else format_quantity(quantity),
        "timestamp": stamp,
        "package_id": package_id,
        "properties": dict(properties) if properties else {},
    }


def to_wire(event: UsageEvent | Mapping[str, Any]) -> dict[str, Any]:
    """An event given as a model or a mapping; a mapping without ``id`` gets one here, once."""
    if isinstance(event, UsageEvent):
        return event.to_wire()
    wire = dict(event)
    if not wire.get("id"):
        wire["id"] = new_event_id()
    return wire
