"""Usage intake: parse a request body into events, classify each one as the loader will, build the batch.

Pure functions, no I/O: the router runs them off the event loop, lands :func:`payload` and consults the
recent-id store.

* Shapes: a JSON array, ``{"events": [...]}``, or NDJSON (one event a line, blank lines skipped).
* Every record is read and judged by :mod:`ingest.validation`, the one definition of a valid event that
  the loader applies too (tests/api/test_intake_agrees_with_loader.py proves the two agree).
* What lands is what was parsed, re-encoded one event a line: never bytes the API could not read. A record
  the API rejects (malformed, out of range, unknown tenant, a conflicting repeat...) lands as an opaque
  ``#atom-rejected <reason>`` line that no reader takes for an event, so what the API called rejected is
  never billed, whatever a later build knows. ``received = loaded + duplicates + quarantined`` still holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from ingest.validation import (
    MAX_DEPTH,
    MalformedJson,
    Record,
    Window,
    check_fields,
    decode_json,
    detail_of,
    encode_event,
    parse_line,
    parse_value,
    rejected_line,
    split_lines,
)

MAX_EVENTS = 10_000

_encoder = msgspec.json.Encoder(decimal_format="number")


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
    """One request's records, classified; ``keys`` hold the valid events' dedupe hashes by index."""

    records: list[Record]
    received: int
    errors: list[EventError] = field(default_factory=list)
    # index -> (key hash, content hash) of every valid event, in request order
    keys: dict[int, tuple[int, int]] = field(default_factory=dict)
    foreign_tenant_indexes: list[int] = field(default_factory=list)


def parse_body(body: bytes, content_type: str, max_events: int = MAX_EVENTS) -> list[Record]:
    """One record per event of the request; a whole body that is not JSON is a 422, too many events a 413."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/x-ndjson", "application/ndjson", "application/jsonl"):
        lines = split_lines(body)
        _check_count(len(lines), max_events)
        return [parse_line(line) for line in lines]
    if media in ("application/json", ""):
        try:
            doc = _decode_document(body)
        except MalformedJson as exc:
            raise IntakeRequestError(
                422,
                "malformed_body",
                f"body is not JSON ({exc}); send an array of events or NDJSON, objects without repeated keys, "
                f"nested at most {MAX_DEPTH} deep",
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
        return [parse_value(event) for event in doc]
    raise IntakeRequestError(
        415, "unsupported_media_type", f"Content-Type {media!r}: use application/json or application/x-ndjson"
    )


_split_array = msgspec.json.Decoder(list[msgspec.Raw])


def _decode_document(body: bytes) -> Any:
    """The body as strict JSON (:func:`ingest.validation.decode_json`). An array is first split into its
    elements' raw bytes (a fast scan), then each element is decoded on its own: a 30 MiB body is then
    thousands of short calls into msgspec instead of one that holds the GIL for half a second, so the
    event loop's thread keeps answering other requests while this one is parsed off it."""
    if body.lstrip(b" \t\r\n").startswith(b"["):
        try:
            elements = _split_array.decode(body)
        except msgspec.DecodeError as exc:
            raise MalformedJson(f"not valid JSON ({exc})") from None
        except RecursionError:
            raise MalformedJson(f"nested deeper than {MAX_DEPTH} levels") from None
        return [decode_json(bytes(element)) for element in elements]
    return decode_json(body)


def _check_count(count: int, max_events: int) -> None:
    if count > max_events:
        # 413, not 422: the request is too big for this server, not wrong; clients split and resend.
        raise IntakeRequestError(
            413,
            "too_many_events",
            f"{count:,} events in one request; send at most {max_events:,} per request",
        )


def tenant_ids(records: list[Record]) -> set[str]:
    """The tenant ids the well-formed records name (to look up unknown ones before classifying)."""
    return {t for r in records if r.reason is None and (t := r.fields.get("tenant_id"))}


def classify(
    records: list[Record],
    *,
    metrics: frozenset[str] | None,
    tenants: frozenset[str] | set[str],
    only_tenant: str | None = None,
    window: Window | None = None,
) -> Batch:
    """Give every record at most one reason; ``metrics`` None skips the metric rule (no price book yet)."""
    batch = Batch(records=records, received=len(records))
    errors = batch.errors
    keys = batch.keys
    for index, record in enumerate(records):
        if record.reason is not None:
            errors.append(EventError(index, record.reason, record.detail or record.reason))
            continue
        fields = record.fields
        tenant_id = fields["tenant_id"]
        if only_tenant is not None and tenant_id and tenant_id != only_tenant:
            batch.foreign_tenant_indexes.append(index)
            continue
        reason, occurred_at, quantity = _checked(fields, window, only_tenant)
        if reason is None and metrics is not None and fields["metric"] not in metrics:
            reason = "unknown_metric"
        if reason is None and tenant_id not in tenants:
            reason = "unknown_tenant"
        if reason is not None:
            errors.append(EventError(index, reason, detail_of(reason, fields)))
            continue
        assert occurred_at is not None
        properties = record.event.get("properties")
        content = _encoder.encode(
            (
                fields["metric"],
                quantity,
                occurred_at.isoformat(timespec="microseconds"),
                fields["package_id"] or None,
                properties or _EMPTY,
            )
        )
        keys[index] = (_hash64(f"{tenant_id}\x1f{fields['id']}".encode()), _hash64(content))
    return batch


def _checked(
    fields: dict[str, str | None], window: Window | None, only_tenant: str | None
) -> tuple[str | None, datetime | None, str | None]:
    return check_fields(fields, window=window, pinned_tenant=only_tenant)


_EMPTY: dict[str, Any] = {}


def payload(batch: Batch, errors: list[EventError]) -> bytes:
    """The landed form of a batch: accepted and duplicate events re-encoded one a line, rejected records
    as opaque ``#atom-rejected`` lines with their reason (``errors``: the final answer's)."""
    rejected = {error.index: error.reason for error in errors}
    lines = []
    for index, record in enumerate(batch.records):
        reason = rejected.get(index)
        if reason is None:
            lines.append(encode_event(record.event))
        else:
            original = record.line if record.line is not None else _original(record)
            lines.append(rejected_line(reason, original))
    return b"\n".join(lines) + b"\n" if lines else b""


def _original(record: Record) -> bytes:
    if record.event is None:
        return (record.raw or "").encode()
    return encode_event(record.event)


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
