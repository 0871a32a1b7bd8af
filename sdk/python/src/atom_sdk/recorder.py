"""Batching usage recorders: ``record()`` returns at once, batches go out in the background.

* A batch leaves when it reaches ``batch_size`` events, or when ``flush_interval`` seconds have passed
  since the last send, or on ``flush()`` and on exit.
* Backpressure: at most ``max_pending_batches`` batches wait; then ``record()`` blocks instead of
  letting memory grow while the API is slow or down.
* Errors surface: a batch that fails after the client's retries is kept in ``failed_batches`` (its
  events keep their ids, so sending them again later is safe) and the next ``record()``, ``flush()`` or
  the exit of the ``with`` block raises :class:`~atom_sdk.errors.RecorderError`.
* Events the API rejects (quarantined, 202) are not errors of delivery; they are in ``stats.rejected``.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

from atom_sdk.errors import AtomError, RecorderError
from atom_sdk.events import MAX_EVENTS_PER_REQUEST, make_event, to_wire
from atom_sdk.models import UsageEvent, UsageReceipt

Batch = list[dict[str, Any]]
_STOP: Any = object()


@dataclass(frozen=True)
class RejectedEvent:
    event_id: str
    reason: str
    detail: str | None = None


@dataclass
class RecorderStats:
    """What the API answered, over every batch sent so far."""

    batches: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)
    failed: int = 0
    batch_seconds: list[float] = field(default_factory=list)

    def add(self, batch: Batch, receipt: UsageReceipt, seconds: float) -> None:
        self.batches += 1
        self.sent += len(batch)
        self.accepted += receipt.accepted
        self.duplicates += receipt.duplicates
        for error in receipt.errors:
            event_id = batch[error.index]["id"] if 0 <= error.index < len(batch) else ""
            self.rejected.append(RejectedEvent(str(event_id), error.reason, error.detail))
        self.batch_seconds.append(seconds)


def _check_options(batch_size: int, flush_interval: float, max_pending_batches: int) -> None:
    if not 1 <= batch_size <= MAX_EVENTS_PER_REQUEST:
        raise ValueError(
            f"batch_size must be 1..{MAX_EVENTS_PER_REQUEST} (the API's limit), got {batch_size}"
        )
    if flush_interval <= 0:
        raise ValueError(f"flush_interval must be > 0 seconds, got {flush_interval}")
    if max_pending_batches < 1:
        raise ValueError(f"max_pending_batches must be >= 1, got {max_pending_batches}")


class UsageRecorder:
    """Thread-based recorder for :class:`~atom_sdk.Client`; use it as a context manager.

    ``concurrency`` sender threads share the queue, for callers that record faster than one
    connection delivers. ``record()`` may be called from any thread.
    """

    def __init__(
        self,
        send: Callable[[Batch], UsageReceipt],
        *,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_pending_batches: int = 8,
        concurrency: int = 1,
    ) -> None:
        _check_options(batch_size, flush_interval, max_pending_batches)
        self._send = send
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.stats = RecorderStats()
        self.failed_batches: list[Batch] = []
        self._buffer: Batch = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[Batch] = queue.Queue(maxsize=max_pending_batches)
        self._last_send = time.monotonic()
        self._error: RecorderError | None = None
        self._threads = [
            threading.Thread(target=self._run, name=f"atom-sdk-recorder-{i}", daemon=True)
            for i in range(max(1, concurrency))
        ]
        self._started = False
        self._closed = False

    # -- public ---------------------------------------------------------------------------------

    def start(self) -> UsageRecorder:
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()
        return self

    def record(
        self,
        tenant_id: str,
        metric: str,
        quantity: Decimal | int | str | float = 1,
        *,
        timestamp: datetime | str | None = None,
        package_id: str | None = None,
        properties: Mapping[str, Any] | None = None,
        id: str | None = None,
    ) -> str:
        """Queue one event; returns its id."""
        event = make_event(
            tenant_id,
            metric,
            quantity,
            timestamp=timestamp,
            package_id=package_id,
            properties=properties,
            id=id,
        )
        self._add(event)
        return str(event["id"])

    def add(self, event: UsageEvent | Mapping[str, Any]) -> str:
        """Queue an event given as a model or as a mapping of DESIGN 3.1's fields; returns its id."""
        wire = to_wire(event)
        self._add(wire)
        return str(wire["id"])

    def flush(self) -> None:
        """Send everything recorded so far and wait for the answers."""
        self._raise_if_failed()
        self._enqueue(self._take())
        self._queue.join()
        self._raise_if_failed()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._started:
            self._enqueue(self._take())
            for _ in self._threads:
                self._queue.put(_STOP)
            for thread in self._threads:
                thread.join()
        self._raise_if_failed()

    def __enter__(self) -> UsageRecorder:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
            return
        # The body failed: still deliver what it recorded, but let its own exception propagate.
        with contextlib.suppress(RecorderError):
            self.close()

    # -- internals ------------------------------------------------------------------------------

    def _add(self, event: dict[str, Any]) -> None:
        if self._closed:
            raise RecorderError("the recorder is closed; record inside its `with` block", 0)
        if not self._started:
            self.start()
        self._raise_if_failed()
        full: Batch | None = None
        with self._lock:
            self._buffer.append(event)
            if len(self._buffer) >= self.batch_size:
                full, self._buffer = self._buffer, []
        if full:
            self._queue.put(full)  # blocks when max_pending_batches are waiting: backpressure

    def _take(self) -> Batch:
        with self._lock:
            batch, self._buffer = self._buffer, []
        return batch

    def _enqueue(self, batch: Batch) -> None:
        if batch:
            self._queue.put(batch)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while True:
            timeout = max(0.0, self._last_send + self.flush_interval - time.monotonic())
            try:
                batch = self._queue.get(timeout=timeout)
            except queue.Empty:
                self._last_send = time.monotonic()
                partial = self._take()
                if partial:
                    self._deliver(partial)
                continue
            try:
                if batch is _STOP:
                    return
                self._deliver(batch)
            finally:
                self._queue.task_done()

    def _deliver(self, batch: Batch) -> None:
        started = time.perf_counter()
        try:
            receipt = self._send(batch)
        except AtomError as exc:
            with self._lock:
                self.failed_batches.append(batch)
                self.stats.failed += len(batch)
                error = RecorderError(
                    f"a batch of {len(batch)} events was not delivered: {exc}; the events are in "
                    "recorder.failed_batches and can be sent again safely (same ids)",
                    self.stats.failed,
                )
                error.__cause__ = exc
                self._error = error
            return
        finally:
            self._last_send = time.monotonic()
        with self._lock:
            self.stats.add(batch, receipt, time.perf_counter() - started)


class AsyncUsageRecorder:
    """The asyncio twin of :class:`UsageRecorder` for :class:`~atom_sdk.AsyncClient`:
    ``async with client.usage.recorder() as rec: await rec.record(...)``."""

    def __init__(
        self,
        send: Callable[[Batch], Awaitable[UsageReceipt]],
        *,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_pending_batches: int = 8,
        concurrency: int = 1,
    ) -> None:
        _check_options(batch_size, flush_interval, max_pending_batches)
        self._send = send
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.stats = RecorderStats()
        self.failed_batches: list[Batch] = []
        self._buffer: Batch = []
        self._concurrency = max(1, concurrency)
        self._max_pending = max_pending_batches
        self._queue: asyncio.Queue[Batch] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._last_send = time.monotonic()
        self._error: RecorderError | None = None
        self._closed = False

    async def start(self) -> AsyncUsageRecorder:
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=self._max_pending)
            self._tasks = [asyncio.create_task(self._run()) for _ in range(self._concurrency)]
        return self

    async def record(
        self,
        tenant_id: str,
        metric: str,
        quantity: Decimal | int | str | float = 1,
        *,
        timestamp: datetime | str | None = None,
        package_id: str | None = None,
        properties: Mapping[str, Any] | None = None,
        id: str | None = None,
    ) -> str:
        event = make_event(
            tenant_id,
            metric,
            quantity,
            timestamp=timestamp,
            package_id=package_id,
            properties=properties,
            id=id,
        )
        await self._add(event)
        return str(event["id"])

    async def add(self, event: UsageEvent | Mapping[str, Any]) -> str:
        wire = to_wire(event)
        await self._add(wire)
        return str(wire["id"])

    async def flush(self) -> None:
        self._raise_if_failed()
        queue_ = (await self.start())._queue
        assert queue_ is not None
        if self._buffer:
            batch, self._buffer = self._buffer, []
            await queue_.put(batch)
        await queue_.join()
        self._raise_if_failed()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._queue is not None:
            if self._buffer:
                batch, self._buffer = self._buffer, []
                await self._queue.put(batch)
            for _ in self._tasks:
                await self._queue.put(_STOP)
            await asyncio.gather(*self._tasks)
        self._raise_if_failed()

    async def __aenter__(self) -> AsyncUsageRecorder:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            await self.aclose()
            return
        with contextlib.suppress(RecorderError):
            await self.aclose()

    async def _add(self, event: dict[str, Any]) -> None:
        if self._closed:
            raise RecorderError("the recorder is closed; record inside its `async with` block", 0)
        await self.start()
        self._raise_if_failed()
        self._buffer.append(event)
        if len(self._buffer) >= self.batch_size:
            batch, self._buffer = self._buffer, []
            assert self._queue is not None
            await self._queue.put(batch)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            timeout = max(0.001, self._last_send + self.flush_interval - time.monotonic())
            try:
                batch = await asyncio.wait_for(self._queue.get(), timeout)
            except TimeoutError:
                self._last_send = time.monotonic()
                if self._buffer:
                    partial, self._buffer = self._buffer, []
                    await self._deliver(partial)
                continue
            try:
                if batch is _STOP:
                    return
                await self._deliver(batch)
            finally:
                self._queue.task_done()

    async def _deliver(self, batch: Batch) -> None:
        started = time.perf_counter()
        try:
            receipt = await self._send(batch)
        except AtomError as exc:
            self.failed_batches.append(batch)
            self.stats.failed += len(batch)
            error = RecorderError(
                f"a batch of {len(batch)} events was not delivered: {exc}; the events are in "
                "recorder.failed_batches and can be sent again safely (same ids)",
                self.stats.failed,
            )
            error.__cause__ = exc
            self._error = error
            return
        finally:
            self._last_send = time.monotonic()
        self.stats.add(batch, receipt, time.perf_counter() - started)
