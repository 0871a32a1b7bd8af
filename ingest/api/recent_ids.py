"""The durable store of recently accepted event ids, so a retried batch is reported as duplicates.

Design (docs/decisions/0401-api-usage-intake.md):
* Its own SQLite file (``ATOM_HOME/api/recent_event_ids.sqlite``), not the operational DB: at 100,000
  events/s it takes ~100 write transactions a second, which would contend with the portal's and Dagster's
  writes for the operational DB's single write lock, and it is a cache of the landing zone, not a record.
* A row is two 64-bit hashes, ``(tenant_id, id)`` and the event's content, plus the claim time: ~40 bytes
  with its index, so a million events cost ~40 MB. A hash collision can only misreport an event as a
  duplicate in the 202 answer: the event still lands, and the loader's exact anti-join decides.
* Retention: 48 hours and at most 20 million rows (whichever is smaller), pruned at most once a minute.
  SDK retries happen within minutes; after the window the loader's anti-join still drops repeats, the API
  just reports them as accepted.
* ``synchronous=NORMAL`` in WAL mode: a power cut may forget the last claims (a retry is then reported as
  accepted, and the loader still dedupes); the events themselves are durable in the landing zone.
* Rows are appended in time order, so ``rowid`` order is claim order and pruning deletes a rowid prefix
  without an index on the claim time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import orjson

DEFAULT_RETENTION_S = 48 * 3600
DEFAULT_MAX_ROWS = 20_000_000
_PRUNE_EVERY_S = 60.0


class RecentIdStore:
    def __init__(
        self,
        path: Path,
        *,
        retention_s: float = DEFAULT_RETENTION_S,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_s = retention_s
        self.max_rows = max_rows
        # One connection guarded by a lock: each call is a short transaction, and the threads of one
        # process would only queue on SQLite's write lock anyway. Other processes (uvicorn workers) share
        # the file through BEGIN IMMEDIATE and the busy timeout.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS recent_event_ids ("
            " key_hash INTEGER NOT NULL, content_hash INTEGER NOT NULL, claimed_at INTEGER NOT NULL)"
        )
        self._conn.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_recent_event_ids_key_hash ON recent_event_ids (key_hash)"
        )
        self._last_prune = 0.0

    def check_and_claim(self, first: dict[int, int]) -> dict[int, int]:
        """Claim the keys not seen before; return ``key -> content`` of those already claimed earlier."""
        if not first:
            return {}
        now = time.time()
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                known = dict(
                    conn.execute(
                        "SELECT key_hash, content_hash FROM recent_event_ids"
                        " WHERE key_hash IN (SELECT value FROM json_each(?))",
                        (orjson.dumps(list(first)),),
                    ).fetchall()
                )
                stamp = int(now)
                conn.executemany(
                    "INSERT INTO recent_event_ids VALUES (?, ?, ?)",
                    [(key, content, stamp) for key, content in first.items() if key not in known],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if now - self._last_prune > _PRUNE_EVERY_S:
                self._prune(now)
        return known

    def release(self, keys: list[int]) -> None:
        """Forget claims whose batch failed to land, so a retry is reported as accepted, not duplicate."""
        if not keys:
            return
        with self._lock:
            self._conn.execute(
                "DELETE FROM recent_event_ids WHERE key_hash IN (SELECT value FROM json_each(?))",
                (orjson.dumps(keys),),
            )

    def _prune(self, now: float) -> None:
        self._last_prune = now
        conn = self._conn
        # Scans from the oldest row up to the first one inside the window: cost ~ rows deleted.
        row = conn.execute(
            "SELECT rowid FROM recent_event_ids WHERE claimed_at >= ? ORDER BY rowid LIMIT 1",
            (int(now - self.retention_s),),
        ).fetchone()
        top = conn.execute("SELECT max(rowid) FROM recent_event_ids").fetchone()[0] or 0
        cutoff = max(row[0] if row else top + 1, top - self.max_rows + 1)
        conn.execute("DELETE FROM recent_event_ids WHERE rowid < ?", (cutoff,))

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM recent_event_ids").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
