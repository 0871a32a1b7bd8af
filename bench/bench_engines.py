"""The same landed events built on DuckDB and on Spark: `atom build` and `ATOM_ENGINE=spark atom build`, each
as a whole process on its own copy of one freshly generated home.

    python bench/bench_engines.py --events 1000000
    python bench/bench_engines.py --events 50000 --then-new 2000    # + a build after new events, a full refresh

The demo marketplace is generated once with ``--events`` events as of ``--today`` (not timed) and copied
before any build, so both engines start from the same landing zone, operational DB and price book. Then the
first full build runs on each copy, DuckDB first: Spark runs in dbt's process (``session`` method, master
``local[2]`` by default: docs/scale-out.md), its lake under the home. Reported: wall seconds, the stages the
build printed, peak RSS of the process tree (the JVM included), and Spark / DuckDB. Figures go to stdout as
markdown and to bench/results/engines.json.

With ``--then-new N``, each home then gets the same batch of N new events (a tenth of them late, as in
bench_scale.py) and runs ``atom build`` (the usage-only build) and ``atom build --full-refresh``; every mart of
the snapshot after the usage-only build must equal the full refresh's on the same engine (``except all`` both
ways), or the script fails. The engines are not compared with each other here: each home loaded its batches
itself, so the load times in ``fct_ingest_batches`` differ; tests/spark/test_two_engines.py compares them on
one export of the same raw tables.
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

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import (
    ATOM,
    DEFAULT_TODAY,
    ROOT,
    Timed,
    checked,
    generate_home,
    home_env,
    log,
    new_events_file,
    run_timed,
)


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
    parser.add_argument(
        "--then-new",
        type=int,
        default=0,
        metavar="N",
        help="then land N new events in each home, build, full-refresh and compare the marts (0: skip)",
    )
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
        if args.then_new:
            runs |= incremental_then_full_refresh(
                {"duckdb": duckdb_home, "spark": spark_home}, args.then_new, args.today, args.timeout
            )
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    ratio = runs["spark"].seconds / runs["duckdb"].seconds
    transform = {k: runs[k].stages.get("transform") for k in ("duckdb", "spark")}
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
        "| engine | build | command | load avg before | s | stages printed, s | peak RSS (tree), MiB |\n"
        "|---|---|---|---|---:|---|---:|"
    )
    steps = {
        "": "first",
        "_after_new": f"after {args.then_new:,} new events",
        "_full_refresh": "full refresh",
    }
    for key, r in runs.items():
        spark = key.startswith("spark")
        name, step = (
            ("Spark local[2]" if spark else "DuckDB"),
            steps[key.removeprefix("spark").removeprefix("duckdb")],
        )
        command = ("ATOM_ENGINE=spark " if spark else "") + r.command
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r.stages.items() if k != "dagster_total")
        print(
            f"| {name} | {step} | `{command}` | {r.load_before} | {r.seconds:.1f} | {stages} | {r.peak_rss_mib:,.0f} |"
        )
    print()
    print(
        f"{args.events:,} events: Spark / DuckDB **{ratio:.1f}x** end to end"
        + (f", {transform_ratio:.1f}x on the transform stage (dbt + snapshot)." if transform_ratio else ".")
    )

    if args.then_new:
        for engine in ("duckdb", "spark"):
            after = runs[f"{engine}_after_new"].seconds / runs[engine].seconds
            print(
                f"{engine}: the build after {args.then_new:,} new events took {after:.2f} of the first build; "
                "its marts equal the full refresh's."
            )


def incremental_then_full_refresh(
    homes: dict[str, Path], n: int, today: str, timeout: float
) -> dict[str, Timed]:
    """Land the same ``n`` new events in every home, build each, keep its snapshot, full-refresh each, then
    compare each engine's usage-only build's marts with its full refresh's."""
    first, *others = homes.values()
    batch = new_events_file(
        first,
        today,
        first / "landing" / "usage" / today / "batch_bench_then_new.parquet",
        "then_new",
        n,
        n // 10,
    )
    for home in others:
        shutil.copyfile(batch, home / "landing" / "usage" / today / batch.name)
    runs: dict[str, Timed] = {}
    snapshots: dict[str, Path] = {}
    for engine, home in homes.items():
        extra = {"ATOM_ENGINE": "spark"} if engine == "spark" else {}
        env = home_env(home, today, **extra)
        runs[f"{engine}_after_new"] = checked(
            run_timed([ATOM, "build"], env, timeout), f"{engine}: atom build"
        )
        snapshots[engine] = shutil.copyfile(
            home / "serving.duckdb", home.parent / f"{engine}-after-new.duckdb"
        )
        runs[f"{engine}_full_refresh"] = checked(
            run_timed([ATOM, "build", "--full-refresh"], env, timeout), f"{engine}: atom build --full-refresh"
        )
    with duckdb.connect() as conn:
        for engine, home in homes.items():
            conn.execute(f"attach '{snapshots[engine]}' as {engine}_after_new (read_only)")
            conn.execute(f"attach '{home / 'serving.duckdb'}' as {engine}_full (read_only)")
        pairs = [(f"{e}_after_new", f"{e}_full") for e in homes]
        differences = {}
        for left, right in pairs:
            marts = [
                name
                for (name,) in conn.execute(
                    "select table_name from information_schema.tables where table_catalog = ? "
                    "and table_schema = 'marts' order by 1",
                    [right],
                ).fetchall()
            ]
            for mart in marts:
                for a, b in ((left, right), (right, left)):
                    (count,) = conn.execute(
                        f"select count(*) from (select * from {a}.marts.{mart} except all select * from {b}.marts.{mart})"
                    ).fetchone() or (0,)
                    if count:
                        differences[f"{a} - {b}: {mart}"] = count
    if differences:
        raise SystemExit(f"the marts differ: {differences}")
    log(f"marts equal: {', '.join(f'{a} = {b}' for a, b in pairs)}")
    return runs


if __name__ == "__main__":
    main()
