"""Invalid API keys throttled per client address (issue 11).

A key holds 256 random bits, so guessing one is hopeless whatever the rate; what an unthrottled stream of
bad keys does buy is load: each costs a hash, usually a DB read (a miss is never cached for long), and a
flood of distinct ones churns the key cache so valid clients miss it too. So after
:data:`DEFAULT_LIMIT` invalid keys from one address within the window, that address gets 429 with
``Retry-After`` for every call that needs a key, before its key is even hashed, until the moving window
lets it try again. Valid keys from other addresses are not affected; a client that sends no key at all
costs nothing and is not counted.

IPv6 clients are counted by /64, the block a single host is usually handed (counting single addresses
there would let one host rotate through 2^64 of them). Counts are per worker process and in memory, as
the per-key limit is, unless ``ATOM_REDIS_URL`` shares them between every worker (docs/api.md).
"""

from __future__ import annotations

import ipaddress
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

# 20 mistakes a minute leaves room for a client rotating a revoked key out and an operator pasting a key
# wrongly a few times; a scanner is stopped after its 20th guess of the minute.
DEFAULT_LIMIT = "20/minute"


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn applies X-Forwarded-For only from the proxies
    it trusts, 127.0.0.1 by default), IPv6 reduced to its /64."""
    host = request.client.host if request.client else "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class KeyThrottle:
    """Counts invalid keys per address in a moving window; :meth:`retry_after` says whether to refuse."""

    def __init__(self, limit: str = DEFAULT_LIMIT, storage: Storage | None = None) -> None:
        self.limit: RateLimitItem = parse(limit)
        # Shared by every worker when ATOM_REDIS_URL is set (ingest/api/shared_state.py).
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may present a key again; None when it may now."""
        if self._limiter.test(self.limit, "bad-key", address):
            return None
        reset_at, _remaining = self._limiter.get_window_stats(self.limit, "bad-key", address)
        return max(1, math.ceil(reset_at - time.time()))

    def record_failure(self, address: str) -> None:
        self._limiter.hit(self.limit, "bad-key", address)
