"""Where the time of ``atom ingest FILE`` goes: wall and CPU seconds per phase, in process, no profiler.

    ATOM_HOME=<a loaded home> python bench/bench_ingest_phases.py FILE

Runs the ``atom ingest FILE`` command in this process with a timer around each phase (imports, landing,
the operational copy, each step of the loader, the Dagster run around them) and prints a table on stderr.
A profiler inflates Python-heavy parts several times over (cProfile doubled the fixed part); wrappers cost
nothing measurable. CPU seconds include DuckDB's threads, so on a shared machine read the CPU column: wall
time grows with other people's load, CPU time much less. The home is changed (the file lands and loads):
point ATOM_HOME at a copy, as bench/bench_ingest_command.py does.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()
TIMES: dict[str, list[float]] = {}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` with a wrapper that adds its wall and CPU time to ``label``."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, used = time.perf_counter(), cpu()
        try:
            return inner(*args, **kwargs)
        finally:
            entry = TIMES.setdefault(label, [0.0, 0.0])
            entry[0] += time.perf_counter() - wall
            entry[1] += cpu() - used

    setattr(owner, name, wrapper)


def main(path: str) -> None:
    wall, used = time.perf_counter(), cpu()
    import cli.main

    TIMES["import cli.main (every subcommand)"] = [time.perf_counter() - wall, cpu() - used]
    wall, used = time.perf_counter(), cpu()
    import dagster as dg

    import ingest.landing
    import ingest.loader
    import ingest.loading.load as load
    import ingest.loading.write as write
    import orchestration.defs.ingest as assets
    import orchestration.ingest_run as ingest_run

    TIMES["import ingest, orchestration, Dagster"] = [time.perf_counter() - wall, cpu() - used]
    timed(ingest.loader, "unreadable_files", "unreadable-file check (CLI)")
    timed(ingest.landing, "land_file", "landing the file")
    timed(assets, "unreadable_files", "unreadable-file check (asset)")
    timed(assets, "copy_operational_tables", "operational copy")
    timed(load, "plan_files", "loader: plan (footers, SHA-256)")
    timed(load, "classify", "loader: classification query (rows not plain, into _ingest_rows)")
    timed(load, "read_keys", "loader: keys and repeated hashes")
    timed(write, "find_suspects", "loader: suspects (loaded hashes, classify suspects)")
    timed(write, "resolve_repeats", "loader: repeats (dedupe)")
    timed(write, "insert_events", "loader: append to raw.usage_events")
    timed(write, "insert_quarantine", "loader: quarantine (+ counts)")
    timed(assets, "load_files", "load_files (all of the above loader steps)")
    timed(dg.JobDefinition, "execute_in_process", "Dagster run (execute_in_process, all)")
    timed(ingest_run, "run_ingest", "run_ingest (instance, run, all)")
    try:
        cli.main.app(["ingest", path])
    except SystemExit as exit_:
        if exit_.code:
            raise
    print(f"\n{'phase':62s} {'wall':>7s} {'cpu':>7s}", file=sys.stderr)
    for label, (seconds, cpu_seconds) in TIMES.items():
        print(f"{label:62s} {seconds:7.2f} {cpu_seconds:7.2f}", file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'total in process (interpreter start not counted)':62s} {time.perf_counter() - STARTED:7.2f}"
        f" {cpu():7.2f}   peak RSS {peak:.0f} MiB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
