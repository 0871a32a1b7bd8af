"""Benchmark ``atom ingest FILE`` as a user runs it: whole processes, side by side with DuckDB's raw load.

    python bench/bench_ingest_command.py --events 10000000 --runs 3

A fresh ATOM_HOME gets the small demo marketplace (tenants, price book, a small landing zone, loaded once
so the home is in its steady state; not timed). Then one Parquet file of ``--events`` events for the
home's tenants and metrics, a fifth of them invalid (bad timestamps, negative quantities, unknown metrics,
unknown tenants, missing fields, in equal parts), and for each run, alternating so that the machine's
other work falls on both alike:

  * baseline: a new ``python`` process that opens a new DuckDB file and runs
    ``CREATE TABLE AS SELECT * FROM read_parquet(FILE)``: DuckDB copying the file and nothing else;
  * command: a new ``atom ingest FILE`` process into the home (land the file, start Dagster, load the
    reference data, load and validate the batch, print the counts), each run on a fresh copy of the
    home so every run loads the same 10M events into the same warehouse.

Reported: wall seconds of each (median and range), the ratio baseline / command (target >= 0.6, issue 14
item 4) and the peak resident memory of each process (``ru_maxrss`` of the children). A markdown table on
stdout, the figures in ``bench/results/ingest_command.json``, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
ATOM = Path(sys.executable).with_name("atom")
err = Console(stderr=True)
BATCH_ROWS = 1_000_000
INVALID_SHARE = 0.2


def environment(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ATOM_WAREHOUSE", "ATOM_SERVING", "ATOM_DATABASE_URL", "ATOM_PRICE_BOOK", "DAGSTER_HOME")
    }
    env["ATOM_HOME"] = str(home)
    return env


def make_home(home: Path, seed: int) -> tuple[list[str], list[str]]:
    """The small demo home, its landing zone loaded once; returns its tenants and metrics."""
    subprocess.run(
        [sys.executable, "-c", _GENERATE, str(seed)],
        env=environment(home),
        check=True,
        cwd=ROOT,
        stdout=sys.stderr,
    )
    subprocess.run(
        [str(ATOM), "ingest"], env=environment(home), check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        tenants = [
            t for (t,) in conn.execute("SELECT tenant_id FROM raw.operational_tenants ORDER BY 1").fetchall()
        ]
        metrics = [
            m
            for (m,) in conn.execute(
                "SELECT DISTINCT metric_id FROM raw.price_book_metrics ORDER BY 1"
            ).fetchall()
        ]
    return tenants, metrics


_GENERATE = """
import dataclasses, sys
from atom.settings import get_settings
from ingest.synthetic import generate
from ingest.synthetic.scales import get_scale
settings = get_settings()
settings.ensure_dirs()
generate(settings, scale=dataclasses.replace(get_scale("small"), events=10_000), seed=int(sys.argv[1]))
"""


def generate_file(path: Path, events: int, tenants: list[str], metrics: list[str], seed: int) -> None:
    """``events`` all-string events over the last 90 days, a fifth of them invalid in five equal ways."""
    rng = np.random.default_rng(seed)
    now = int(time.time())
    writer: pq.ParquetWriter | None = None
    tenant_names = pa.array(tenants)
    metric_names = pa.array(metrics)
    try:
        for start in range(0, events, BATCH_ROWS):
            n = min(BATCH_ROWS, events - start)
            numbers = pa.array(np.arange(start, start + n, dtype=np.int64))
            ids = pc.binary_join_element_wise(
                "evt_", pc.utf8_lpad(pc.cast(numbers, pa.string()), 12, "0"), ""
            )
            seconds = now - rng.integers(3_600, 90 * 86_400, n)
            form = rng.integers(0, 10, n)  # 0-7 'Z', 8 fraction, 9 an offset
            wall = seconds + np.where(form == 9, 7_200, 0)
            base = pa.array(np.datetime_as_string(wall.astype("datetime64[s]")))
            suffix = pa.array(["Z", ".250Z", "+02:00"]).take(
                pa.array(np.searchsorted([8, 9], form, side="right"))
            )
            timestamps = pc.binary_join_element_wise(base, suffix, "")
            quantity = pc.cast(pa.array(rng.integers(1, 3_600, n)), pa.string())
            tenant = tenant_names.take(pa.array(rng.integers(0, len(tenants), n)))
            metric = metric_names.take(pa.array(rng.integers(0, len(metrics), n)))
            # A fifth invalid: kind 0 bad timestamp, 1 negative quantity, 2 unknown metric, 3 unknown
            # tenant, 4 missing id.
            invalid = rng.random(n) < INVALID_SHARE
            kind = np.where(invalid, rng.integers(0, 5, n), -1)
            timestamps = pc.if_else(pa.array(kind == 0), pa.scalar("2026-02-30T25:00:00Z"), timestamps)
            quantity = pc.if_else(pa.array(kind == 1), pa.scalar("-3"), quantity)
            metric = pc.if_else(pa.array(kind == 2), pa.scalar("coffee_cups"), metric)
            tenant = pc.if_else(pa.array(kind == 3), pa.scalar("ten_nobody"), tenant)
            ids = pc.if_else(pa.array(kind == 4), pa.scalar(None, pa.string()), ids)
            table = pa.table(
                {
                    "id": ids,
                    "tenant_id": tenant,
                    "metric": metric,
                    "quantity": quantity,
                    "timestamp": timestamps,
                    "package_id": pa.nulls(n, pa.string()),
                    "properties": pa.array(["{}"] * n),
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=BATCH_ROWS)
    finally:
        if writer is not None:
            writer.close()


_BASELINE = """
import sys, duckdb
with duckdb.connect(sys.argv[1]) as conn:
    conn.execute("CREATE TABLE events AS SELECT * FROM read_parquet(?)", [sys.argv[2]])
"""


def timed_process(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of one child process."""
    os.sync()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stdout = proc.stdout.read() if proc.stdout else ""
    stderr = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def run(events: int, runs: int, seed: int, work: Path) -> dict[str, object]:
    home = work / "home"
    with err.status("a small demo home, loaded once"):
        tenants, metrics = make_home(home, seed)
    data = work / "events.parquet"
    with err.status(f"generating {events:,} events, a fifth invalid"):
        generate_file(data, events, tenants, metrics, seed)
    baseline: list[float] = []
    command: list[float] = []
    baseline_rss: list[float] = []
    command_rss: list[float] = []
    counts = ""
    loads: list[float] = []  # the 1-minute load average as each run starts: the machine is shared
    for attempt in range(runs):
        loads.append(os.getloadavg()[0])
        target = work / f"baseline-{attempt}.duckdb"
        with err.status(f"run {attempt + 1}/{runs}: DuckDB raw load process"):
            seconds, rss, _ = timed_process([sys.executable, "-c", _BASELINE, str(target), str(data)])
        target.unlink()
        baseline.append(seconds)
        baseline_rss.append(rss)
        copy = work / f"home-{attempt}"
        shutil.copytree(home, copy)
        # The instance's config names its home by absolute path: let `atom` write the copy's own.
        (copy / "dagster" / "dagster.yaml").unlink()
        with err.status(f"run {attempt + 1}/{runs}: atom ingest FILE"):
            seconds, rss, counts = timed_process([str(ATOM), "ingest", str(data)], environment(copy))
        shutil.rmtree(copy)
        command.append(seconds)
        command_rss.append(rss)
        err.print(f"run {attempt + 1}: baseline {baseline[-1]:.2f} s, atom ingest {command[-1]:.2f} s")
    ratios = [b / c for b, c in zip(baseline, command, strict=True)]
    return {
        "events": events,
        "invalid_share": INVALID_SHARE,
        "file_bytes": data.stat().st_size,
        "runs": runs,
        "baseline_seconds": [round(s, 2) for s in baseline],
        "command_seconds": [round(s, 2) for s in command],
        "ratios": [round(r, 3) for r in ratios],
        "ratio_median": round(statistics.median(ratios), 3),
        "baseline_peak_rss_mib": round(max(baseline_rss)),
        "command_peak_rss_mib": round(max(command_rss)),
        "load_average_at_start": [round(load, 1) for load in loads],
        "command_output": counts.strip(),
        "duckdb": duckdb.__version__,
        "python": platform.python_version(),
    }


def markdown(figures: dict[str, object]) -> str:
    def cell(values: object) -> str:
        seconds = list(values)  # type: ignore[call-overload]
        return f"{statistics.median(seconds):.2f} ({min(seconds):.2f}-{max(seconds):.2f})"

    return "\n".join(
        [
            f"`atom ingest FILE`, {figures['events']:,} events in one Parquet file ({figures['file_bytes'] / 2**20:.0f} MiB),"
            f" a fifth invalid; {figures['runs']} runs alternating (duckdb {figures['duckdb']})",
            "",
            "| process | seconds, median (range) | events/s (median) | peak RSS |",
            "|---|---:|---:|---:|",
            f"| baseline: `python -c` DuckDB CTAS from read_parquet | {cell(figures['baseline_seconds'])} |"
            f" {figures['events'] / statistics.median(figures['baseline_seconds']):,.0f} |"  # type: ignore[arg-type]
            f" {figures['baseline_peak_rss_mib']} MiB |",
            f"| `atom ingest FILE` (land, Dagster, reference data, validate, dedupe, quarantine) |"
            f" {cell(figures['command_seconds'])} |"
            f" {figures['events'] / statistics.median(figures['command_seconds']):,.0f} |"  # type: ignore[arg-type]
            f" {figures['command_peak_rss_mib']} MiB |",
            "",
            f"baseline / command, per run: {', '.join(f'{r:.2f}' for r in figures['ratios'])};"  # type: ignore[attr-defined]
            f" median **{figures['ratio_median']:.2f}** (target >= 0.6); load average as each run started:"
            f" {', '.join(map(str, figures['load_average_at_start']))}",  # type: ignore[call-overload]
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the file (default 10M)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each process, alternating (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch directory (default: a temporary one)"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "ingest_command.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="atom-bench-ingest-command-", dir=args.workdir) as scratch:
        figures = run(args.events, args.runs, args.seed, Path(scratch))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
