"""The durable store of recently accepted event ids, so a retried batch is reported as duplicates.

Design (docs/decisions/0401-api-usage-intake.md):
* An entry is two 64-bit hashes: ``(tenant_id, id)`` and the event's content. A hash collision can only
  misreport an event as a duplicate in the 202 answer: every event lands whatever the answer says, and the
  loader's exact anti-join decides what is loaded.
* Memory holds the window, in time buckets (10 minutes): the open bucket is a dict, closed buckets are
  sorted numpy arrays searched with ``searchsorted`` (16 bytes an entry, ~0.1 ms per 1,000 keys a bucket).
* Durability is an append-only journal per bucket under ``ATOM_HOME/api/recent_ids/`` (16 bytes an entry,
  written with ``os.write`` before the 202): a process crash loses nothing, a power cut may forget the last
  claims (a retry is then reported as accepted; the loader still dedupes). A restart reloads the window.
* Retention: 1 hour and at most 20 million entries (320 MB), whichever is smaller; whole buckets are
  dropped, oldest first. SDK retries happen within minutes; after the window the loader's anti-join still
  drops repeats, the API then reports them as accepted.

Why not SQLite (the first version): a unique index on random 64-bit keys dirties one page per insert, so
a batch of 1,000 wrote ~4 MB of WAL and took 21 ms at 1 M rows, capping intake below 50,000 events/s.
With several uvicorn workers each process has its own window, so a retry that reaches another worker is
reported as accepted; the loader still counts it once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

DEFAULT_RETENTION_S = 3600.0
DEFAULT_MAX_ENTRIES = 20_000_000
BUCKET_S = 600


class RecentIdStore:
    def __init__(
        self,
        directory: Path,
        *,
        retention_s: float = DEFAULT_RETENTION_S,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        bucket_s: int = BUCKET_S,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.retention_s = retention_s
        self.max_entries = max_entries
        self.bucket_s = bucket_s
        self._lock = threading.Lock()
        self._closed: list[tuple[int, np.ndarray, np.ndarray]] = []  # (bucket, sorted keys, contents)
        self._open: dict[int, int] = {}
        self._open_bucket = self._bucket(time.time())
        self._load()
        self._fd = self._open_journal(self._open_bucket)

    def _bucket(self, now: float) -> int:
        return int(now // self.bucket_s)

    def _journal(self, bucket: int) -> Path:
        return self.directory / f"ids-{bucket}.bin"

    def _open_journal(self, bucket: int) -> int:
        return os.open(self._journal(bucket), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _load(self) -> None:
        oldest = self._bucket(time.time() - self.retention_s)
        for path in sorted(self.directory.glob("ids-*.bin"), key=lambda p: int(p.stem[4:])):
            bucket = int(path.stem[4:])
            if bucket < oldest:
                path.unlink(missing_ok=True)
                continue
            raw = path.read_bytes()
            pairs = np.frombuffer(raw[: len(raw) - len(raw) % 16], dtype=np.int64).reshape(-1, 2)
            if bucket == self._open_bucket:
                self._open.update(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
            else:
                self._closed.append(_sorted_bucket(bucket, pairs))
        self._trim()

    def check_and_claim(self, first: dict[int, int]) -> dict[int, int]:
        """Claim the keys not seen before; return ``key -> content`` of those claimed earlier."""
        if not first:
            return {}
        with self._lock:
            self._roll(time.time())
            known: dict[int, int] = {k: self._open[k] for k in first if k in self._open}
            if self._closed:
                keys = np.fromiter(first, dtype=np.int64, count=len(first))
                for _bucket, sorted_keys, contents in self._closed:
                    index = np.searchsorted(sorted_keys, keys).clip(0, len(sorted_keys) - 1)
                    for i in np.flatnonzero(sorted_keys[index] == keys):
                        known.setdefault(int(keys[i]), int(contents[index[i]]))
            new = [(k, c) for k, c in first.items() if k not in known]
            if new:
                self._open.update(new)
                os.write(self._fd, np.asarray(new, dtype=np.int64).tobytes())
        return known

    def release(self, keys: list[int]) -> None:
        """Forget claims whose batch failed to land (in memory; the journal keeps them, harmlessly)."""
        with self._lock:
            for key in keys:
                self._open.pop(key, None)

    def _roll(self, now: float) -> None:
        bucket = self._bucket(now)
        if bucket == self._open_bucket:
            return
        if self._open:
            pairs = np.fromiter(
                (v for kv in self._open.items() for v in kv), dtype=np.int64, count=2 * len(self._open)
            ).reshape(-1, 2)
            self._closed.append(_sorted_bucket(self._open_bucket, pairs))
        os.close(self._fd)
        self._open = {}
        self._open_bucket = bucket
        self._fd = self._open_journal(bucket)
        self._trim()

    def _trim(self) -> None:
        oldest = self._bucket(time.time() - self.retention_s)
        total = len(self._open) + sum(len(keys) for _, keys, _ in self._closed)
        while self._closed and (self._closed[0][0] < oldest or total > self.max_entries):
            bucket, keys, _ = self._closed.pop(0)
            total -= len(keys)
            self._journal(bucket).unlink(missing_ok=True)

    def count(self) -> int:
        with self._lock:
            return len(self._open) + sum(len(keys) for _, keys, _ in self._closed)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _sorted_bucket(bucket: int, pairs: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    order = np.argsort(pairs[:, 0], kind="stable")
    return bucket, np.ascontiguousarray(pairs[order, 0]), np.ascontiguousarray(pairs[order, 1])
