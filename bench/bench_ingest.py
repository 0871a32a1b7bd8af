"""Benchmark the usage loader against DuckDB's own raw load of the same Parquet file.

    python bench/bench_ingest.py --events 10000000

Three figures, each on a fresh warehouse file:
  * baseline: ``CREATE TABLE AS SELECT * FROM read_parquet(...)``, DuckDB copying the file and nothing else;
  * loader: ``ingest.loader.load_files`` on the same file into a warehouse that holds the price book and
    tenants (validation, UTC conversion, dedupe, quarantine, reconciliation);
  * dedupe: a batch of ``--dedupe-batch`` events, 10% of them repeats of loaded ones, loaded into the
    table that already holds ``--events``;
  * many small files: the same events split into ``--small-files`` NDJSON files (as the intake API lands
    one per request) and loaded in one call, against DuckDB's raw ``read_json`` of the same files.
The target is loader >= 40% of baseline events/s. Progress goes to stderr; a markdown table to stdout;
the figures to ``bench/results/ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from billing.price_book import parse_price_book  # noqa: E402
from ingest.loader import load_files  # noqa: E402
from ingest.price_book_tables import write_price_book_tables  # noqa: E402
from ingest.raw_schema import create_raw_schema  # noqa: E402

PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
  storage_gb:      {aggregation: max}
  active_users:    {aggregation: unique_count, property: user_id}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
  - {id: price_compute, metric: compute_seconds, billing_scheme: per_unit, unit_amount: "0.00001"}
  - {id: price_storage, metric: storage_gb, billing_scheme: per_unit, unit_amount: "0.1"}
  - {id: price_users, metric: active_users, billing_scheme: per_unit, unit_amount: "1"}
"""
METRICS = ["workflow_runs", "compute_seconds", "storage_gb", "active_users"]
TENANTS = 2_000
PACKAGES = 300
BATCH_ROWS = 1_000_000
# 2026-05-01T00:00:00Z: six months of usage, as the demo generates.
START_EPOCH_S = 1_777_593_600


def generate_events(path: Path, events: int, seed: int, id_offset: int = 0) -> None:
    """Write ``events`` usage events as an all-string Parquet file, as the demo generator does.

    Vectorized with numpy and pyarrow compute, one row group per million rows, so 10M events take
    seconds rather than minutes. Timestamps mix the RFC 3339 forms the loader must accept: ``Z``,
    fractional seconds and ``±hh:mm`` offsets.
    """
    rng = np.random.default_rng(seed)
    tenant_names = pa.array([f"ten_{i:05d}" for i in range(TENANTS)])
    package_names = pa.array([f"pkg_{i:04d}" for i in range(PACKAGES)] + [None])
    metric_names = pa.array(METRICS)
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, events, BATCH_ROWS):
            n = min(BATCH_ROWS, events - start)
            numbers = pa.array(np.arange(id_offset + start, id_offset + start + n, dtype=np.int64))
            ids = pc.binary_join_element_wise(
                "evt_", pc.utf8_lpad(pc.cast(numbers, pa.string()), 12, "0"), ""
            )
            metric_index = rng.integers(0, len(METRICS), n)
            quantity = np.where(metric_index == 0, 1, rng.integers(1, 3_600, n))
            seconds = START_EPOCH_S + rng.integers(0, 184 * 86_400, n)
            # Forms: 0-7 "Z", 8 fractional seconds, 9 the same instant as local time at +02:00.
            form = np.searchsorted([0.8, 0.9], rng.random(n), side="right")
            wall_clock = seconds + np.where(form == 2, 7_200, 0)
            base = pa.array(np.datetime_as_string(wall_clock.astype("datetime64[s]")))
            suffix = pa.array(["Z", ".123Z", "+02:00"]).take(pa.array(form))
            timestamps = pc.binary_join_element_wise(base, suffix, "")
            users = pc.cast(pa.array(rng.integers(0, 50_000, n)), pa.string())
            properties = pc.if_else(
                pa.array(metric_index == 3),
                pc.binary_join_element_wise('{"user_id":"u_', users, '"}', ""),
                pa.scalar("{}"),
            )
            table = pa.table(
                {
                    "id": ids,
                    "tenant_id": tenant_names.take(pa.array(rng.integers(0, TENANTS, n))),
                    "metric": metric_names.take(pa.array(metric_index)),
                    "quantity": pc.cast(pa.array(quantity), pa.string()),
                    "timestamp": timestamps,
                    "package_id": package_names.take(pa.array(rng.integers(0, PACKAGES + 1, n))),
                    "properties": properties,
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=BATCH_ROWS)
    finally:
        if writer is not None:
            writer.close()


def prepare_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    create_raw_schema(conn)
    write_price_book_tables(conn, parse_price_book(PRICE_BOOK, source="bench"), source_uri="bench")
    conn.execute(
        "INSERT INTO raw.operational_tenants SELECT printf('ten_%05d', i), printf('Tenant %d', i), NULL, NULL,"
        " TIMESTAMP '2025-01-01' FROM range(?) t(i)",
        [TENANTS],
    )
    return conn


def timed(action: Callable[[], object]) -> float:
    # Flush what earlier steps wrote, so one step's disk writeback is not billed to the next.
    os.sync()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def many_small_files(
    data: Path, workdir: Path, events: int, files: int, progress: Progress
) -> dict[str, object]:
    """Split the events into ``files`` NDJSON files and time the loader against DuckDB's raw read."""
    task = progress.add_task(f"many small files: writing {files:,} NDJSON files", total=None)
    landing = workdir / "small"
    landing.mkdir()
    per_file = -(-events // files)
    duckdb.execute(
        # properties as a JSON object, as senders write it (a JSON string would be a malformed record).
        f"COPY (SELECT * REPLACE (CAST(properties AS JSON) AS properties),"
        f" (row_number() OVER () - 1) // {per_file} AS part FROM read_parquet('{data}'))"
        f" TO '{landing}' (FORMAT json, PARTITION_BY (part))"
    )
    paths = sorted(landing.rglob("*.json"), key=lambda p: int(p.parent.name.removeprefix("part=")))
    progress.update(task, description=f"many small files: baseline read_json of {len(paths):,} files")
    baseline_conn = duckdb.connect(str(workdir / "small-baseline.duckdb"))
    baseline_seconds = timed(
        lambda: baseline_conn.execute(
            "CREATE TABLE events AS SELECT * FROM read_json(?, format = 'newline_delimited')",
            [[str(p) for p in paths]],
        )
    )
    baseline_conn.close()
    progress.update(task, description=f"many small files: load_files of {len(paths):,} files")
    conn = prepare_warehouse(workdir / "small-warehouse.duckdb")
    results: list = []
    loader_seconds = timed(lambda: results.extend(load_files(conn, paths)))
    conn.close()
    loaded = sum(r.loaded for r in results)
    if loaded != events or len(results) != len(paths):
        raise SystemExit(
            f"many small files: loaded {loaded:,} of {events:,} events from {len(results):,} files"
        )
    progress.update(
        task,
        description=f"many small files: baseline {baseline_seconds:.2f}s, loader {loader_seconds:.2f}s",
        completed=1,
        total=1,
    )
    return {
        "small_files": len(paths),
        "small_files_baseline_seconds": round(baseline_seconds, 3),
        "small_files_loader_seconds": round(loader_seconds, 3),
        "small_files_loader_events_per_s": round(events / loader_seconds),
        "small_files_loader_to_baseline_ratio": round(baseline_seconds / loader_seconds, 3),
    }


def run(
    events: int, dedupe_batch: int, seed: int, workdir: Path, progress: Progress, small_files: int = 400
) -> dict[str, object]:
    data = workdir / "events.parquet"
    task = progress.add_task(f"generating {events:,} events", total=None)
    generate_seconds = timed(lambda: generate_events(data, events, seed))
    progress.update(
        task, description=f"generated {events:,} events in {generate_seconds:.1f}s", completed=1, total=1
    )

    task = progress.add_task("baseline: CTAS from read_parquet", total=None)
    baseline_conn = duckdb.connect(str(workdir / "baseline.duckdb"))
    baseline_seconds = timed(
        lambda: baseline_conn.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet('{data}')")
    )
    baseline_conn.close()
    progress.update(task, description=f"baseline: {baseline_seconds:.2f}s", completed=1, total=1)

    task = progress.add_task("loader: load_files", total=None)
    conn = prepare_warehouse(workdir / "warehouse.duckdb")
    results: list = []
    loader_seconds = timed(lambda: results.extend(load_files(conn, [data])))
    result = results[0]
    if result.loaded != events:
        raise SystemExit(f"loader loaded {result.loaded:,} of {events:,} events: {result}")
    progress.update(task, description=f"loader: {loader_seconds:.2f}s", completed=1, total=1)

    repeats = dedupe_batch // 10
    task = progress.add_task(
        f"dedupe: {dedupe_batch:,} events ({repeats:,} already loaded) into {events:,}", total=None
    )
    fresh = workdir / "fresh.parquet"
    generate_events(fresh, dedupe_batch - repeats, seed + 1, id_offset=events)
    batch = workdir / "batch.parquet"
    # A realistic retry mix: 10% of the batch repeats events already loaded, byte for byte.
    duckdb.execute(
        f"COPY (SELECT * FROM (SELECT * FROM read_parquet('{data}') LIMIT {repeats})"
        f" UNION ALL SELECT * FROM read_parquet('{fresh}')) TO '{batch}' (FORMAT parquet)"
    )
    results.clear()
    dedupe_seconds = timed(lambda: results.extend(load_files(conn, [batch])))
    outcome = results[0]
    if (outcome.loaded, outcome.duplicates) != (dedupe_batch - repeats, repeats):
        raise SystemExit(
            f"dedupe batch: expected {dedupe_batch - repeats:,} loaded, {repeats:,} duplicates: {outcome}"
        )
    conn.close()
    progress.update(task, description=f"dedupe: {dedupe_seconds:.2f}s", completed=1, total=1)

    small = many_small_files(data, workdir, events, small_files, progress) if small_files else {}

    return {
        "events": events,
        "file_bytes": data.stat().st_size,
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_events_per_s": round(events / baseline_seconds),
        "loader_seconds": round(loader_seconds, 3),
        "loader_events_per_s": round(events / loader_seconds),
        "loader_to_baseline_ratio": round(baseline_seconds / loader_seconds, 3),
        "dedupe_batch_events": dedupe_batch,
        "dedupe_batch_repeats": repeats,
        "dedupe_table_events": events,
        "dedupe_seconds": round(dedupe_seconds, 3),
        "dedupe_events_per_s": round(dedupe_batch / dedupe_seconds),
        **small,
        "duckdb": duckdb.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def markdown(figures: dict[str, object]) -> str:
    rows = [
        (
            "baseline: DuckDB CTAS from read_parquet",
            figures["baseline_seconds"],
            figures["baseline_events_per_s"],
        ),
        (
            "loader: load_files (validate, dedupe, quarantine)",
            figures["loader_seconds"],
            figures["loader_events_per_s"],
        ),
        (
            f"dedupe: {figures['dedupe_batch_events']:,} ({figures['dedupe_batch_repeats']:,} repeats)"
            f" into {figures['dedupe_table_events']:,}",
            figures["dedupe_seconds"],
            figures["dedupe_events_per_s"],
        ),
    ]
    if "small_files" in figures:
        rows += [
            (
                f"baseline: DuckDB read_json of {figures['small_files']:,} NDJSON files",
                figures["small_files_baseline_seconds"],
                round(figures["events"] / figures["small_files_baseline_seconds"]),
            ),
            (
                f"loader: load_files of the same {figures['small_files']:,} files",
                figures["small_files_loader_seconds"],
                figures["small_files_loader_events_per_s"],
            ),
        ]
    lines = [
        f"Ingest benchmark, {figures['events']:,} events (duckdb {figures['duckdb']})",
        "",
        "| step | seconds | events/s |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds} | {rate:,} |" for name, seconds, rate in rows),
        "",
        f"loader / baseline throughput: **{figures['loader_to_baseline_ratio']:.0%}** (target >= 40%)",
    ]
    if "small_files" in figures:
        lines.append(
            f"many small files, loader / baseline: **{figures['small_files_loader_to_baseline_ratio']:.0%}**"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events in the main file (default 1,000,000)"
    )
    parser.add_argument(
        "--dedupe-batch", type=int, default=1_000_000, help="new events loaded on top for the dedupe figure"
    )
    parser.add_argument(
        "--small-files",
        type=int,
        default=400,
        help="NDJSON files the events are split into (default 400; 0: skip that figure)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated data")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch directory (default: a temporary one)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "bench" / "results" / "ingest.json",
        help="where to write the JSON",
    )
    args = parser.parse_args(argv)

    console = Console(stderr=True)
    with (
        tempfile.TemporaryDirectory(dir=args.workdir) as scratch,
        Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress,
    ):
        figures = run(args.events, args.dedupe_batch, args.seed, Path(scratch), progress, args.small_files)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    console.print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
