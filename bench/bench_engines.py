"""The same landed events built on DuckDB and on Spark: `atom build` and `ATOM_ENGINE=spark atom build`, each
as a whole process on its own copy of one freshly generated home.

    python bench/bench_engines.py --events 1000000

The demo marketplace is generated once with ``--events`` events as of ``--today`` (not timed) and copied
before any build, so both engines start from the same landing zone, operational DB and price book. Then the
first full build runs on each copy, DuckDB first: Spark runs in dbt's process (``session`` method, master
``local[2]`` by default: docs/scale-out.md), its lake under the home. Reported: wall seconds, the stages the
build printed, peak RSS of the process tree (the JVM included), and Spark / DuckDB. Figures go to stdout as
markdown and to bench/results/engines.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import ATOM, DEFAULT_TODAY, ROOT, checked, generate_home, home_env, log, run_timed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", default=DEFAULT_TODAY)
    parser.add_argument("--work", type=Path, default=Path("/tmp/atom-bench-engines"))
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before a build is stopped")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "engines.json")
    args = parser.parse_args()

    duckdb_home = args.work / f"duckdb-{args.events}"
    spark_home = args.work / f"spark-{args.events}"
    log(f"generating {args.events:,} events into {duckdb_home} (not timed)")
    generate_home(duckdb_home, args.events, args.seed, args.today)
    shutil.rmtree(spark_home, ignore_errors=True)
    shutil.copytree(duckdb_home, spark_home, symlinks=True)
    # dagster.yaml names its home's storage by absolute path, and a copied one is not rewritten (ensure_dirs
    # takes it for the operator's own): without this, the copy's build reads the first home's run history,
    # finds every landing day loaded and loads only the recent ones.
    shutil.rmtree(spark_home / "dagster")
    runs = {}
    try:
        runs["duckdb"] = checked(
            run_timed([ATOM, "build"], home_env(duckdb_home, args.today), args.timeout), "atom build (DuckDB)"
        )
        runs["spark"] = checked(
            run_timed([ATOM, "build"], home_env(spark_home, args.today, ATOM_ENGINE="spark"), args.timeout),
            "ATOM_ENGINE=spark atom build",
        )
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    ratio = runs["spark"].seconds / runs["duckdb"].seconds
    transform = {k: r.stages.get("transform") for k, r in runs.items()}
    transform_ratio = transform["spark"] / transform["duckdb"] if all(transform.values()) else None  # type: ignore[operator]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "events": args.events,
                "today": args.today,
                "runs": {k: dataclasses.asdict(r) for k, r in runs.items()},
                "spark_vs_duckdb": round(ratio, 2),
                "transform_spark_vs_duckdb": round(transform_ratio, 2) if transform_ratio else None,
            },
            indent=2,
        )
    )
    print(
        "| engine | command | load avg before | s | stages printed, s | peak RSS (tree), MiB |\n|---|---|---|---:|---|---:|"
    )
    for name, command in (("DuckDB", "atom build"), ("Spark local[2]", "ATOM_ENGINE=spark atom build")):
        r = runs["duckdb" if name == "DuckDB" else "spark"]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r.stages.items() if k != "dagster_total")
        print(
            f"| {name} | `{command}` | {r.load_before} | {r.seconds:.1f} | {stages} | {r.peak_rss_mib:,.0f} |"
        )
    print()
    print(
        f"{args.events:,} events: Spark / DuckDB **{ratio:.1f}x** end to end"
        + (f", {transform_ratio:.1f}x on the transform stage (dbt + snapshot)." if transform_ratio else ".")
    )


if __name__ == "__main__":
    main()
