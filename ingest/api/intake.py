"""Usage intake: parse a request body into events, classify each one as the loader will, build the batch.

Pure functions, no I/O: the router lands :attr:`Batch.payload` and consults the recent-id store.

* Shapes: a JSON array, ``{"events": [...]}``, or NDJSON (one event a line, blank lines skipped).
* Every event of an accepted request lands, the invalid ones too, so the loader quarantines them with their
  reason and ``received = loaded + duplicates + quarantined`` holds for the batch: nothing is lost. NDJSON
  lines land byte for byte; JSON array elements are re-encoded one a line (numbers stay numbers).
* Reasons are the loader's (:data:`ingest.loader.REASONS`), checked in the same order with the same rules
  (:data:`ingest.loader.RFC3339_PATTERN`, :data:`ingest.loader.QUANTITY_PLACES`); the loader stays the final
  judge, this answer is its forecast. tests/api/test_intake_agrees_with_loader.py holds them together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any

import msgspec

from ingest.loader import QUANTITY_PLACES, REQUIRED_COLUMNS, RFC3339_PATTERN

MAX_EVENTS = 10_000

_RFC3339 = re.compile(RFC3339_PATTERN)
# DECIMAL(38, 9) holds 29 integer digits.
_QUANTITY_LIMIT = Decimal(10) ** (38 - QUANTITY_PLACES)
_WIDE = Context(prec=60)
_decoder = msgspec.json.Decoder(float_hook=Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number")
_MALFORMED = object()


class IntakeRequestError(ValueError):
    """The request as a whole cannot be taken (nothing lands); ``status_code`` says which answer."""

    def __init__(self, status_code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class EventError:
    index: int
    reason: str
    detail: str


@dataclass
class Batch:
    """One request's events, classified; ``keys`` hold the valid events' dedupe hashes by index."""

    payload: bytes
    received: int
    errors: list[EventError] = field(default_factory=list)
    # index -> (key hash, content hash) of every valid event, in request order
    keys: dict[int, tuple[int, int]] = field(default_factory=dict)
    foreign_tenant_indexes: list[int] = field(default_factory=list)


def parse_body(body: bytes, content_type: str, max_events: int = MAX_EVENTS) -> tuple[list[Any], list[bytes]]:
    """The decoded events (``_MALFORMED`` for an unreadable NDJSON line) and the lines to land."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/x-ndjson", "application/ndjson", "application/jsonl"):
        lines = [line for line in body.split(b"\n") if line.strip()]
        _check_count(len(lines), max_events)
        events: list[Any] = []
        for line in lines:
            try:
                events.append(_decoder.decode(line))
            except msgspec.DecodeError:
                events.append(_MALFORMED)
        return events, lines
    if media in ("application/json", ""):
        try:
            doc = _decoder.decode(body)
        except msgspec.DecodeError as exc:
            raise IntakeRequestError(
                422, "malformed_body", f"body is not JSON ({exc}); send an array of events or NDJSON"
            ) from None
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            doc = doc["events"]
        if not isinstance(doc, list):
            raise IntakeRequestError(
                422,
                "malformed_body",
                'body must be a JSON array of events or {"events": [...]}; for one event a line use '
                "Content-Type: application/x-ndjson",
            )
        _check_count(len(doc), max_events)
        return doc, [_encoder.encode(event) for event in doc]
    raise IntakeRequestError(
        415, "unsupported_media_type", f"Content-Type {media!r}: use application/json or application/x-ndjson"
    )


def _check_count(count: int, max_events: int) -> None:
    if count > max_events:
        # 413, not 422: the request is too big for this server, not wrong; clients split and resend.
        raise IntakeRequestError(
            413,
            "too_many_events",
            f"{count:,} events in one request; send at most {max_events:,} per request",
        )


def _text(value: Any) -> str | None:
    """A field as the loader reads it: JSON scalars as their text, objects and arrays as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return _encoder.encode(value).decode()


def classify(
    events: list[Any],
    lines: list[bytes],
    *,
    metrics: frozenset[str] | None,
    tenants: frozenset[str] | set[str],
    only_tenant: str | None = None,
) -> Batch:
    """Give every event at most one reason; ``metrics`` None skips the metric rule (no price book yet)."""
    batch = Batch(payload=b"\n".join(lines) + b"\n" if lines else b"", received=len(events))
    errors = batch.errors
    keys = batch.keys
    # Senders repeat timestamps (per second) and quantities ("1") within a batch: parse each text once.
    timestamps: dict[str, str | None] = {}
    quantities: dict[str, tuple[Decimal | None, str]] = {}
    encode = _encoder.encode
    for index, event in enumerate(events):
        if type(event) is not dict:
            detail = "not valid JSON" if event is _MALFORMED else "not a JSON object"
            errors.append(EventError(index, "malformed_record", detail))
            continue
        get = event.get
        tenant_id = _str(get("tenant_id"))
        if only_tenant is not None and tenant_id and tenant_id != only_tenant:
            batch.foreign_tenant_indexes.append(index)
            continue
        properties = get("properties")
        if properties is not None and type(properties) is not dict:
            errors.append(EventError(index, "malformed_record", "properties is not a JSON object"))
            continue
        event_id = _str(get("id"))
        metric = _str(get("metric"))
        quantity_text = _str(get("quantity"))
        timestamp = _str(get("timestamp"))
        if not (event_id and tenant_id and metric and quantity_text and timestamp):
            missing = [c for c in REQUIRED_COLUMNS if not _text(get(c))]
            errors.append(EventError(index, "missing_field", f"missing field(s): {', '.join(missing)}"))
            continue
        occurred_at = timestamps.get(timestamp, _UNSEEN)
        if occurred_at is _UNSEEN:
            occurred_at = timestamps[timestamp] = _parse_timestamp(timestamp)
        if occurred_at is None:
            errors.append(
                EventError(
                    index,
                    "bad_timestamp",
                    f"timestamp {timestamp} is not RFC 3339 with an offset (e.g. 2026-10-03T12:00:00Z)",
                )
            )
            continue
        parsed = quantities.get(quantity_text)
        if parsed is None:
            parsed = quantities[quantity_text] = _parse_quantity(quantity_text)
        quantity, problem = parsed
        if quantity is None:
            errors.append(EventError(index, "bad_quantity", f"quantity {quantity_text} {problem}"))
            continue
        if problem:
            errors.append(EventError(index, "negative_quantity", f"quantity {quantity_text} is negative"))
            continue
        if metrics is not None and metric not in metrics:
            errors.append(EventError(index, "unknown_metric", f"metric {metric} is not in the price book"))
            continue
        if tenant_id not in tenants:
            errors.append(EventError(index, "unknown_tenant", f"tenant {tenant_id} is not a known tenant"))
            continue
        package_id = _str(get("package_id")) or None
        content = encode((metric, quantity, occurred_at, package_id, properties or _EMPTY))
        keys[index] = (_hash64(f"{tenant_id}\x1f{event_id}".encode()), _hash64(content))
    return batch


_UNSEEN: Any = object()
_EMPTY: dict[str, Any] = {}


def _str(value: Any) -> str | None:
    return value if type(value) is str else _text(value)


def _parse_timestamp(text: str) -> str | None:
    if not _RFC3339.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    # The loader stores microseconds in UTC; two spellings of one instant are the same content.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_quantity(text: str) -> tuple[Any, str]:
    """``(canonical text, "negative" or "")`` of a valid quantity, ``(None, problem)`` otherwise.

    The canonical text makes ``1``, ``1.0`` and ``1e0`` the same content, as DECIMAL comparison does."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, "is not a decimal"
    if not value.is_finite() or abs(value) >= _QUANTITY_LIMIT:
        return None, "is not a decimal"
    stripped = text.strip()
    if "." in stripped and "e" not in stripped.lower():
        places = len(stripped.rstrip("0")) - stripped.index(".") - 1
        if places > QUANTITY_PLACES:
            return None, f"has more than {QUANTITY_PLACES} decimal places"
    # A wide context: normalize() rounds to the context precision (28 digits by default) and DECIMAL(38, 9)
    # holds 38; zero has one spelling whatever its sign.
    return (str(value.normalize(_WIDE)) if value else "0"), "negative" if value < 0 else ""


def _hash64(data: bytes) -> int:
    """A signed 64-bit digest (SQLite's INTEGER); blake2b because it is stable across processes,
    unlike ``hash()``, and the cheapest keyed-quality hash in the standard library."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


@dataclass(frozen=True)
class Outcome:
    accepted: int
    duplicates: int
    errors: list[EventError]

    @property
    def rejected(self) -> int:
        return len(self.errors)


def first_occurrences(batch: Batch) -> dict[int, int]:
    """Key hash -> content hash of each key's first valid event in the request (what the store claims)."""
    first: dict[int, int] = {}
    for key, content in batch.keys.values():
        first.setdefault(key, content)
    return first


def resolve(batch: Batch, known: dict[int, int]) -> Outcome:
    """Count accepted and duplicate events; a repeat with other content is a duplicate_id_conflict.

    ``known`` maps key hashes accepted by earlier requests to their content hash. As in the loader, the
    first occurrence wins: an earlier request's event, else the lowest index in this one.
    """
    seen: dict[int, int] = {}
    accepted = duplicates = 0
    errors = list(batch.errors)
    for index, (key, content) in batch.keys.items():
        reference = known.get(key)
        if reference is None:
            reference = seen.get(key)
            if reference is None:
                seen[key] = content
                accepted += 1
                continue
        if reference == content:
            duplicates += 1
        else:
            errors.append(
                EventError(
                    index,
                    "duplicate_id_conflict",
                    "an event with this (tenant_id, id) and other content was accepted first; ids must be unique",
                )
            )
    errors.sort(key=lambda error: error.index)
    return Outcome(accepted, duplicates, errors)
