"""The Parquet lake between the DuckDB warehouse and Spark (``ATOM_ENGINE=spark``, DESIGN 4).

The loaders keep writing ``raw.*`` into the DuckDB warehouse (one definition of a valid event, one
reconciliation). Before dbt runs on Spark, every raw table is exported to ``<lake>/raw/<table>/`` and the
dbt project's on-run-start hook registers those folders as the Spark tables its sources read
(``dbt_project/macros/spark_lake.sql``). The hook's twin at the end of the run writes each mart to
``<lake>/marts/<model>/``, and :func:`load_marts` reads them into the DuckDB connection the serving snapshot
is published from, so the portal reads the same file on either engine.

A local lake is a folder in the home. On a cluster the lake is a URL both sides reach (s3://, abfss://):
DuckDB then needs its httpfs/azure extension and credentials, which docs/scale-out.md describes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb

RAW_SCHEMA = "raw"
MARTS_SCHEMA = "marts"
# pyspark 4 runs on Java 17 or 21.
MIN_JAVA = 17


def local_session_problem(java_home: Path | None) -> str | None:
    """Why a local Spark session (``ATOM_ENGINE=spark`` without ``ATOM_SPARK_THRIFT_URL``) cannot start on
    this machine, in words that say what to do; None when it can.

    pyspark starts a JVM from ``$JAVA_HOME/bin/java``, else ``java`` on PATH; without one, dbt fails deep in
    its run with "Java gateway process exited before sending its port number". Asked before a build starts
    (`atom build`) and again at the dbt step (a build the orchestrator runs)."""
    fix = (
        f"ATOM_ENGINE=spark runs Spark inside dbt's own process, which needs Java {MIN_JAVA} or newer: install "
        f"it (Debian: apt-get install openjdk-{MIN_JAVA}-jre-headless) or point JAVA_HOME at one; or set "
        "ATOM_SPARK_THRIFT_URL to build on a cluster's Spark Thrift server (docs/scale-out.md)"
    )
    java = str(java_home / "bin" / "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK) or Path(java).is_dir():
        where = f"JAVA_HOME={java_home} has no bin/java" if java_home else "no `java` on PATH"
        return f"{where}. {fix}"
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{java} -version` failed ({exc}). {fix}"
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if shown.returncode != 0 or found is None:
        return f"`{java} -version` did not say which Java it is. {fix}"
    major = int(found.group(1))
    if major == 1 and found.group(2):  # "1.8.0_392" is Java 8
        major = int(found.group(2))
    if major < MIN_JAVA:
        return f"{java} is Java {major}. {fix}"
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _is_local(lake: str) -> bool:
    return "://" not in lake or lake.startswith("file://")


def _local_path(lake: str) -> Path:
    return Path(lake.removeprefix("file://"))


def export_raw(conn: duckdb.DuckDBPyConnection, lake: str) -> dict[str, int]:
    """Write every table of the warehouse's ``raw`` schema to ``<lake>/raw/<table>/data.parquet``.

    Each table goes to a fresh folder renamed over the old one, so Spark never lists half an export.
    Returns the rows exported per table.
    """
    tables = [
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_catalog = current_database() order by 1",
            [RAW_SCHEMA],
        ).fetchall()
    ]
    counts: dict[str, int] = {}
    for table in tables:
        source = f"{_quote(RAW_SCHEMA)}.{_quote(table)}"
        (counts[table],) = conn.execute(f"select count(*) from {source}").fetchall()[0]
        if _is_local(lake):
            folder = _local_path(lake) / RAW_SCHEMA / table
            staging = folder.parent / f".{table}.{uuid.uuid4().hex}"
            staging.mkdir(parents=True)
            try:
                conn.execute(
                    f"copy {source} to {_literal(str(staging / 'data.parquet'))} (format parquet, compression zstd)"
                )
                old = folder.parent / f".{table}.{uuid.uuid4().hex}.old"
                if folder.exists():
                    folder.rename(old)
                staging.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        else:
            # Object stores have no rename; one file overwritten in place is read whole or not at all.
            target = f"{lake}/{RAW_SCHEMA}/{table}/data.parquet"
            conn.execute(f"copy {source} to {_literal(target)} (format parquet, compression zstd)")
    return counts


def load_marts(conn: duckdb.DuckDBPyConnection, lake: str) -> list[str]:
    """Create ``marts.<model>`` in ``conn`` from each ``<lake>/marts/<model>/`` Spark wrote.

    Spark's TIMESTAMP is instant-based and lands as DuckDB's TIMESTAMP WITH TIME ZONE; it goes back to the
    zone-less UTC TIMESTAMP of the marts' contract, so the snapshot's schema is the same on both engines.
    """
    if _is_local(lake):
        root = _local_path(lake) / MARTS_SCHEMA
        names = sorted(path.name for path in root.iterdir() if path.is_dir()) if root.exists() else []
    else:
        listed = conn.execute(
            f"select distinct split_part(file, '/', -2) from glob({_literal(f'{lake}/{MARTS_SCHEMA}/*/*.parquet')})"
        ).fetchall()
        names = sorted(name for (name,) in listed)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(f"create schema if not exists {_quote(MARTS_SCHEMA)}")
    loaded = []
    for name in names:
        files = _literal(f"{lake}/{MARTS_SCHEMA}/{name}/*.parquet")
        columns = conn.execute(f"describe select * from read_parquet({files})").fetchall()
        if not columns:
            continue
        selected = ", ".join(
            f"cast({_quote(column)} as timestamp) as {_quote(column)}"
            if column_type == "TIMESTAMP WITH TIME ZONE"
            else _quote(column)
            for column, column_type, *_ in columns
        )
        conn.execute(
            f"create or replace table {_quote(MARTS_SCHEMA)}.{_quote(name)} as "
            f"select {selected} from read_parquet({files})"
        )
        loaded.append(name)
    return loaded
