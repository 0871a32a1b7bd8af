"""A chunk of files loaded together: its connection, files, clock and the temp tables its jobs share.

Rows of every temp table carry ``file_seq``, the file's index in :attr:`Chunk.files`. Reading fills
``_ingest_csv`` / ``_ingest_ndjson`` (Parquet is read in place), classification ``_ingest_rows`` (the rows
that are not plain: invalid, or off the fast path), the write step ``_ingest_suspects``,
``_ingest_suspect_rows`` and ``_ingest_resolved``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from atom import clock
from ingest.loading.model import PlannedFile

TEMP_TABLES = (
    "_ingest_files",
    "_ingest_read",
    "_ingest_reject_rows",
    "_ingest_rejects",
    "_ingest_reject_scans",
    "_ingest_csv",
    "_ingest_ndjson",
    "_ingest_rows",
    "_ingest_suspects",
    "_ingest_suspect_rows",
    "_ingest_resolved",
)


class Chunk:
    """The SQL of loading many files at once; rows carry ``file_seq``, the file's index in ``files``."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        files: list[PlannedFile],
        check_tenants: bool,
        window_days: int | None,
    ) -> None:
        self.conn = conn
        self.files = files
        self.check_tenants = check_tenants
        self.window_days = window_days
        # "Received" of a batch without a manifest: this load (the platform's clock, ATOM_TODAY aware).
        self.now = clock.now().astimezone(UTC).replace(tzinfo=None)
        started = datetime.now(UTC).replace(tzinfo=None)
        # All files of a chunk commit together; a microsecond apart keeps loaded_at in load order.
        self.loaded_at = [started + timedelta(microseconds=seq) for seq in range(len(files))]
        # Filled by ingest.loading.write.read_keys: rows per file, the key hashes of the keyed rows (sorted).
        self.received: list[int] = [0] * len(files)
        self.key_hash = np.zeros(0, dtype=np.uint64)
        self.repeated_hashes = np.zeros(0, dtype=np.uint64)
        self.scans: dict[tuple[object, ...], list[int]] = {}
        for seq, f in enumerate(files):
            self.scans.setdefault(f.scan_key, []).append(seq)

    def drop_temp_tables(self) -> None:
        existing = {
            name
            for (name,) in self.conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_ingest_')"
            ).fetchall()
        }
        for table in TEMP_TABLES:
            if table in existing:
                self.conn.execute(f"DROP TABLE temp.{table}")

    def loaded_meanwhile(self) -> set[str]:
        return {
            batch_id
            for (batch_id,) in self.conn.execute(
                "SELECT batch_id FROM raw.ingest_batches WHERE batch_id IN (SELECT batch_id FROM _ingest_files)"
            ).fetchall()
        }
