"""The serving snapshot is a separate file replaced by atomic rename (DESIGN 2)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from atom.serving import publish_snapshot


def _warehouse(path: Path, revenue: int) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    conn.execute("create schema if not exists marts; create schema if not exists staging")
    conn.execute(
        "create or replace table marts.fct_revenue as select cast(? as decimal(38, 6)) as line_amount",
        [revenue],
    )
    conn.execute("create or replace table staging.not_served as select 1 as x")
    conn.execute("create or replace view marts.a_view as select 1 as x")
    return conn


def test_snapshot_copies_mart_tables_only(tmp_path: Path) -> None:
    conn = _warehouse(tmp_path / "warehouse.duckdb", 42)
    counts = publish_snapshot(conn, tmp_path / "serving.duckdb")
    assert counts == {"marts.fct_revenue": 1}
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as reader:
        assert reader.execute("select line_amount from marts.fct_revenue").fetchone()[0] == 42
        schemas = {
            r[0] for r in reader.execute("select schema_name from information_schema.schemata").fetchall()
        }
        assert "staging" not in schemas


def test_reader_of_old_snapshot_keeps_its_view_and_next_open_sees_new(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    conn = _warehouse(tmp_path / "warehouse.duckdb", 1)
    publish_snapshot(conn, serving)
    old_reader = duckdb.connect(str(serving), read_only=True)
    old_inode = serving.stat().st_ino

    conn.execute("update marts.fct_revenue set line_amount = 2")
    publish_snapshot(conn, serving)  # must not be blocked by the open reader

    assert serving.stat().st_ino != old_inode
    assert old_reader.execute("select line_amount from marts.fct_revenue").fetchone()[0] == 1
    # DuckDB caches open databases by path within a process: a reader must close the old file
    # before reopening the path, or it is handed the old instance again.
    old_reader.close()
    with duckdb.connect(str(serving), read_only=True) as new_reader:
        assert new_reader.execute("select line_amount from marts.fct_revenue").fetchone()[0] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".serving")], (
        "no temporary file left behind"
    )
