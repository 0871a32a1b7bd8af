"""The portal's one way into the serving snapshot (``serving.duckdb``), read-only.

Dagster publishes a new snapshot by writing a fresh file and renaming it over ``serving.duckdb``
(docs/architecture.md). A snapshot is therefore identified by its inode and modification time, not by
its path: every cached connection and query result is keyed by that identity, so the first rerun after a
swap opens the new file and nothing is served from the old one.

Why ``ATTACH`` into a private in-memory database rather than ``duckdb.connect(path, read_only=True)``:
DuckDB keeps a process-wide cache of open database instances keyed by *path*. While any connection to
the old snapshot is still alive (another session's cursor, a not yet collected cache entry),
``connect(path)`` hands back that instance, i.e. the replaced file's data. An attach inside a fresh
``:memory:`` instance always opens the file that is at the path now. See
docs/decisions/0040-portal-serving-connection.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from atom.settings import get_settings

CATALOG = "serving"


class Snapshot(NamedTuple):
    """Identity of one published snapshot file; a hashable cache key for Streamlit."""

    path: str
    inode: int
    mtime_ns: int

    @property
    def modified_at(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1e9, tz=UTC)


class SnapshotUnavailable(RuntimeError):
    """The snapshot file exists but cannot be opened (corrupt, or removed between stat and open)."""


def serving_path() -> Path:
    return get_settings().serving_path


def current_snapshot(path: Path | None = None) -> Snapshot | None:
    """The snapshot at ``path`` (default: settings.serving_path) now, or None when none was built yet."""
    target = path or serving_path()
    try:
        stat = target.stat()
    except FileNotFoundError:
        return None
    return Snapshot(str(target), stat.st_ino, stat.st_mtime_ns)


# A few entries so that sessions still reading the previous snapshot while a new one appears do not
# evict each other. Evicted connections are not closed explicitly: closing a DuckDB connection closes
# its cursors too, which would break a query another session is running; garbage collection closes
# it once the last cursor is gone (and frees the replaced file's disk space then).
@st.cache_resource(max_entries=4, show_spinner=False)
def _database(snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    quoted = snapshot.path.replace("'", "''")
    try:
        conn.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
    except duckdb.Error as exc:
        conn.close()
        raise SnapshotUnavailable(
            f"Cannot open the serving snapshot {snapshot.path}: {exc}. "
            "Rebuild it with `atom build` (or `make demo`)."
        ) from exc
    return conn


@contextmanager
def cursor(snapshot: Snapshot) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own for each query: a DuckDB connection must not be shared across threads."""
    cur = _database(snapshot).cursor()
    try:
        cur.execute(f"USE {CATALOG}")
        yield cur
    finally:
        cur.close()


def read_frame(
    snapshot: Snapshot, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run ``sql`` on the snapshot; DECIMAL columns arrive as ``decimal.Decimal``, never as floats.

    ``.df()`` would turn DECIMAL into float64; going through Arrow keeps exact values.
    """
    with cursor(snapshot) as cur:
        relation = cur.sql(sql, params=params)
        if relation is None:
            raise ValueError(f"Query returned no result set: {sql!r}")
        return relation.to_arrow_table().to_pandas()
