"""What the API's workers share: rate-limit counters and recently accepted event ids (DESIGN 4).

Embedded default: each process keeps both in memory (recent ids journalled under the home, see
:mod:`ingest.api.recent_ids`), so with ``atom serve --workers 4`` a key may send four times its limit and a
retry that reaches another worker is answered as accepted (the loader still counts it once). With
``ATOM_REDIS_URL`` both live in Redis: the ``limits`` library's Redis storage for the moving windows, and one
Redis string per accepted ``(tenant_id, id)`` hash for the recent ids, claimed with ``SET … NX GET`` so two
workers racing for the same id cannot both accept it.
"""

from __future__ import annotations

from typing import Protocol

import redis
from limits.storage import MemoryStorage, Storage, storage_from_string

from atom.settings import Settings
from ingest.api.recent_ids import RecentIdStore

KEY_PREFIX = "atom:recent-id:"


class RecentIds(Protocol):
    def check_and_claim(self, first: dict[int, int]) -> dict[int, int]: ...
    def release(self, keys: list[int]) -> None: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


def limiter_storage(settings: Settings) -> Storage:
    """The storage of every moving-window limiter of this process: Redis when configured."""
    url = settings.redis_url
    if not url:
        return MemoryStorage()
    storage = storage_from_string(url)
    assert isinstance(storage, Storage)  # a redis:// URL gives the synchronous storage
    return storage


def recent_id_store(settings: Settings, retention_s: float) -> RecentIds:
    url = settings.redis_url
    if url:
        return RedisRecentIds(redis.Redis.from_url(url), retention_s=retention_s)
    return RecentIdStore(settings.home / "api" / "recent_ids", retention_s=retention_s)


class RedisRecentIds:
    """Recently accepted ids in Redis: ``atom:recent-id:<key hash>`` holds the content hash, expiring after
    the retention window. One pipelined round trip a request (``SET NX GET`` needs Redis 6.2 or newer)."""

    def __init__(self, client: redis.Redis, *, retention_s: float) -> None:
        self.client = client
        self.ttl = max(1, int(retention_s))

    def check_and_claim(self, first: dict[int, int]) -> dict[int, int]:
        """Claim the keys not seen before; return ``key -> content`` of those claimed earlier (by any worker)."""
        if not first:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for key, content in first.items():
            pipe.set(f"{KEY_PREFIX}{key}", content, nx=True, get=True, ex=self.ttl)
        earlier = pipe.execute()
        return {key: int(old) for key, old in zip(first, earlier, strict=True) if old is not None}

    def release(self, keys: list[int]) -> None:
        """Forget claims whose batch failed to land, so the client's retry is accepted."""
        if keys:
            self.client.delete(*(f"{KEY_PREFIX}{key}" for key in keys))

    def count(self) -> int:
        return sum(1 for _ in self.client.scan_iter(match=f"{KEY_PREFIX}*", count=10_000))

    def close(self) -> None:
        self.client.close()
