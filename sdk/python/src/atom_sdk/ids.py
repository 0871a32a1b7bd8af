"""Client-side event ids, so a retried batch carries the same ids and the API counts it once (DESIGN 3.1).

``evt_`` + a 26-character ULID (48-bit millisecond time, 80 random bits, Crockford base32): sortable by
creation time, which keeps the landing zone and the warehouse's dedupe index roughly in insert order.
Hand-written because ULID libraries would be a third run-time dependency for fifteen lines.
"""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_ulid(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = ((ms & ((1 << 48) - 1)) << 80) | int.from_bytes(os.urandom(10), "big")
    return _encode(value, 26)


def new_event_id() -> str:
    """A fresh ``evt_<ULID>``."""
    return "evt_" + new_ulid()


def ulid_timestamp_ms(event_id: str) -> int:
    """The creation time in milliseconds encoded in an id made by :func:`new_event_id`."""
    ulid = event_id.removeprefix("evt_")
    value = 0
    for char in ulid[:10]:
        value = value * 32 + _CROCKFORD.index(char)
    return value
