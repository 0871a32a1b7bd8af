"""When and how long to wait before retrying a request: the SDK's own logic, pure and unit-tested.

Exponential backoff with *full jitter* (sleep a uniform random time in ``[0, min(cap, base * 2**n))``), the
scheme AWS measured to spread retrying clients best. A 429 waits at least the API's ``Retry-After``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first attempt; ``max_retries=0`` disables retrying.

    ``max_retry_after`` bounds how long a 429 may make the client wait: a longer ``Retry-After`` is
    raised as :class:`~atom_sdk.errors.RateLimitError` at once instead of blocking the caller.
    """

    max_retries: int = 5
    base_delay: float = 0.1
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_status: frozenset[int] = field(default=RETRYABLE_STATUS)

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Full-jitter delay before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry_number))
        return (rng or random).uniform(0.0, ceiling)


NO_RETRY = RetryPolicy(max_retries=0)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retryable_exception(exc: BaseException) -> bool:
    """Connection-level failures: refused, reset, timed out, protocol errors. Safe because event ids
    make usage batches idempotent; for a package upload the worst case is a 409 on the retry."""
    return isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.UnsupportedProtocol)


def delay_for_response(
    policy: RetryPolicy, retry_number: int, response: httpx.Response, rng: random.Random | None = None
) -> float | None:
    """Seconds to wait before retrying after ``response``, or None when it must not be retried."""
    if response.status_code not in policy.retry_status or retry_number >= policy.max_retries:
        return None
    delay = policy.backoff(retry_number, rng)
    if response.status_code == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            if retry_after > policy.max_retry_after:
                return None
            # Never earlier than the API asked; the jitter on top keeps clients from returning in step.
            delay = retry_after + delay
    return delay


def delay_for_exception(
    policy: RetryPolicy, retry_number: int, exc: BaseException, rng: random.Random | None = None
) -> float | None:
    if not is_retryable_exception(exc) or retry_number >= policy.max_retries:
        return None
    return policy.backoff(retry_number, rng)
