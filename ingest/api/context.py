"""What the running API holds: settings, the operational DB engine, caches, the limiter, metrics.

One :class:`ApiContext` per app (``app.state.ctx``), built by :func:`ingest.api.app.create_app`; routers
reach it through the dependencies in :mod:`ingest.api.deps`.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from atom.opdb import PriceBookVersion, Tenant
from atom.settings import Settings
from billing.price_book import PriceBookError, load_price_book, parse_price_book
from governance.archive import ArchiveLimits
from ingest.api.intake import MAX_EVENTS
from ingest.api.keys import KeyResolver
from ingest.api.observability import ApiMetrics
from ingest.api.shared_state import RecentIds, limiter_storage, recent_id_store

log = structlog.get_logger("atom.api")


@dataclass(frozen=True)
class ApiConfig:
    """Limits of the API; the defaults are the production ones (docs/api.md explains each)."""

    # Per key, over all routes. 100,000 events/s in batches of 1,000 is 100 requests/s from one key.
    rate_limit: str = "300/second"
    max_events: int = MAX_EVENTS
    # 10,000 events of ~200 bytes is 2 MB; 32 MiB leaves room for large properties.
    max_usage_body_bytes: int = 32 * 1024 * 1024
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    # Non-file fields of the multipart upload (the signature) fit in a few KB.
    multipart_overhead_bytes: int = 64 * 1024
    default_body_bytes: int = 1024 * 1024
    # Usage bodies held at once (read, parsed, classified), summed over concurrent requests: two bodies of
    # the largest size; parsing multiplies a body's bytes about tenfold in Python objects.
    max_usage_bytes_in_flight: int = 64 * 1024 * 1024
    key_cache_ttl_s: float = 2.0
    recent_ids_retention_s: float = 3600.0
    access_log: bool = True


class TenantDirectory:
    """Known tenant ids, re-read every ``ttl_s``; a miss is read through from the operational DB at once.

    Tenants are never deleted, so a cached "known" is never wrong; a cached "unknown" could be (the tenant
    may have been created a moment ago through another worker), so no negative answer is ever cached:
    :meth:`known` asks the DB for every id it does not know, on every request that names one."""

    def __init__(self, engine: Engine, ttl_s: float = 5.0) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self._ids: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def ids(self) -> frozenset[str]:
        if time.monotonic() - self._loaded_at > self.ttl_s:
            self.refresh()
        return self._ids

    def known(self, wanted: set[str]) -> frozenset[str]:
        """The known ids, with those of ``wanted`` that exist in the DB now (read through on a miss)."""
        ids = self.ids()
        missing = sorted(wanted - ids)
        if not missing:
            return ids
        found: set[str] = set()
        with Session(self.engine) as session:
            for start in range(0, len(missing), 500):
                found.update(
                    session.scalars(select(Tenant.id).where(Tenant.id.in_(missing[start : start + 500])))
                )
        if found:
            with self._lock:
                self._ids = self._ids | found
        return ids | found

    def refresh(self) -> None:
        with Session(self.engine) as session:
            ids = frozenset(session.scalars(select(Tenant.id)))
        with self._lock:
            self._ids = ids
            self._loaded_at = time.monotonic()


class ByteBudget:
    """Bytes of request bodies in flight, at most ``limit``: :meth:`hold` waits until its share fits."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        size = min(size, self.limit)
        async with self._changed:
            await self._changed.wait_for(lambda: self.used + size <= self.limit)
            self.used += size
        try:
            yield
        finally:
            async with self._changed:
                self.used -= size
                self._changed.notify_all()


class PriceBookMetrics:
    """The metric ids of every price-book version: the file's, re-read when the file changes, and the
    published versions' (issue 15), re-read at most every ``ttl_s``; None when there is no price book yet."""

    def __init__(self, path: Path, engine: Engine | None = None, ttl_s: float = 2.0) -> None:
        self.path = path
        self.engine = engine
        self.ttl_s = ttl_s
        self._stamp: tuple[int, int] | None = None
        self._metrics: frozenset[str] | None = None
        self._stored: frozenset[str] | None = None
        self._stored_key: tuple[object, ...] | None = None
        self._stored_at = -math.inf

    def get(self) -> frozenset[str] | None:
        stored = self._stored_metrics()
        from_file = self._file_metrics()
        if from_file is None:
            return stored
        return from_file if stored is None else from_file | stored

    def _file_metrics(self) -> frozenset[str] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp != self._stamp:
            try:
                self._metrics = frozenset(load_price_book(self.path).metrics)
            except (PriceBookError, OSError) as exc:
                # A broken price book must not stop intake: the loader judges metrics when it is fixed.
                log.warning("price_book_unreadable", path=str(self.path), error=str(exc))
                self._metrics = None
            self._stamp = stamp
        return self._metrics

    def _stored_metrics(self) -> frozenset[str] | None:
        if self.engine is None or time.monotonic() - self._stored_at < self.ttl_s:
            return self._stored
        with Session(self.engine) as session:
            rows = session.execute(select(PriceBookVersion.effective_from, PriceBookVersion.sha256)).all()
            key = tuple(sorted(rows))
            if key != self._stored_key:
                texts = session.scalars(select(PriceBookVersion.yaml_text)).all()
                names: set[str] = set()
                for text in texts:
                    try:
                        names |= set(parse_price_book(text).metrics)
                    except PriceBookError:
                        continue
                self._stored = frozenset(names) if texts else None
                self._stored_key = key
        self._stored_at = time.monotonic()
        return self._stored


@dataclass
class ApiContext:
    settings: Settings
    config: ApiConfig
    engine: Engine
    keys: KeyResolver
    tenants: TenantDirectory
    metrics_ids: PriceBookMetrics
    body_budget: ByteBudget
    recent_ids: RecentIds
    metrics: ApiMetrics
    limiter: MovingWindowRateLimiter
    rate_limit: RateLimitItem

    @classmethod
    def build(cls, settings: Settings, config: ApiConfig, engine: Engine, metrics: ApiMetrics) -> ApiContext:
        return cls(
            settings=settings,
            config=config,
            engine=engine,
            keys=KeyResolver(engine, ttl_s=config.key_cache_ttl_s),
            tenants=TenantDirectory(engine),
            metrics_ids=PriceBookMetrics(settings.price_book_path, engine),
            body_budget=ByteBudget(config.max_usage_bytes_in_flight),
            recent_ids=recent_id_store(settings, config.recent_ids_retention_s),
            metrics=metrics,
            limiter=MovingWindowRateLimiter(limiter_storage(settings)),
            rate_limit=parse(config.rate_limit),
        )
