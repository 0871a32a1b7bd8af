"""Publish the read-only serving snapshot (DESIGN 2).

DuckDB allows one read-write process per file and a reader in another process blocks the writer, so
readers never open the warehouse. After each build the marts are copied into a brand-new file which
is fsynced and atomically renamed over ``serving.duckdb``: a reader holding the old file keeps a
consistent view; the next open sees the new one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

SERVED_SCHEMAS = ("marts",)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_snapshot(
    conn: duckdb.DuckDBPyConnection, serving_path: Path, schemas: tuple[str, ...] = SERVED_SCHEMAS
) -> dict[str, int]:
    """Copy every table of ``schemas`` from ``conn`` into a new file and rename it over ``serving_path``.

    Returns the row count of each copied table, keyed ``schema.table``.
    """
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_path.parent / f".{serving_path.name}.{uuid.uuid4().hex}.tmp"
    alias = f"snapshot_{uuid.uuid4().hex[:8]}"
    counts: dict[str, int] = {}
    try:
        conn.execute(f"ATTACH '{tmp}' AS {alias}")
        try:
            tables = conn.execute(
                f"""
                select table_schema, table_name from information_schema.tables
                where table_catalog = current_database() and table_type = 'BASE TABLE'
                  and table_schema in ({", ".join("?" for _ in schemas)})
                order by 1, 2
                """,
                list(schemas),
            ).fetchall()
            for schema in schemas:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {alias}.{_quote(schema)}")
            for schema, table in tables:
                target = f"{alias}.{_quote(schema)}.{_quote(table)}"
                conn.execute(f"CREATE TABLE {target} AS SELECT * FROM {_quote(schema)}.{_quote(table)}")
                (counts[f"{schema}.{table}"],) = conn.execute(f"SELECT count(*) FROM {target}").fetchall()[0]
            conn.execute(f"CHECKPOINT {alias}")
        finally:
            conn.execute(f"DETACH {alias}")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, serving_path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts
