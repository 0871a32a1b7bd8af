"""Benchmark the whole pipeline: landed usage to rated invoice lines and a published snapshot.

    python bench/bench_pipeline.py --events 1000000 --events 10000000

For each size, a fresh ATOM_HOME gets the demo marketplace generated with that many events (landing zone,
operational DB, price book; generation is not timed), then one `atom build` runs through Dagster, in this
process as the CLI runs it. Reported: the build's wall time in total and per stage (start-up, reference
data, usage load, dbt + snapshot), and as the
baseline measured in the same run, DuckDB's own raw load of the same landed Parquet files
(`CREATE TABLE AS SELECT * FROM read_parquet([...])`) into a fresh file. Figures go to stdout as a markdown
table and to bench/results/pipeline.json; progress to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

err = Console(stderr=True)


def measure(events: int, work: Path, seed: int) -> dict[str, float | int]:
    from atom.settings import get_settings, reset_settings_cache
    from ingest.landing import landed_files
    from ingest.synthetic import generate
    from ingest.synthetic.scales import get_scale
    from orchestration.run import run_build

    home = work / f"home-{events}"
    os.environ["ATOM_HOME"] = str(home)
    for key in ("ATOM_WAREHOUSE", "ATOM_SERVING", "ATOM_DATABASE_URL", "ATOM_PRICE_BOOK", "DAGSTER_HOME"):
        os.environ.pop(key, None)
    reset_settings_cache()
    settings = get_settings()
    settings.ensure_dirs()
    with err.status(f"generating {events:,} events"):
        generate(settings, scale=dataclasses.replace(get_scale("default"), events=events), seed=seed)
    files = landed_files(settings.landing_dir)

    with err.status("baseline: DuckDB raw load of the same Parquet files"):
        started = time.perf_counter()
        with duckdb.connect(str(work / f"baseline-{events}.duckdb")) as conn:
            conn.execute("CREATE TABLE raw_copy AS SELECT * FROM read_parquet(?)", [[str(f) for f in files]])
            rows = conn.execute("SELECT count(*) FROM raw_copy").fetchone()[0]
        baseline_s = time.perf_counter() - started

    with err.status("loading the Dagster definitions"):
        # Python imports (and dbt's manifest when the project changed) are not pipeline work: done before
        # the clock starts, for every size alike. A fresh `atom build` process pays them once.
        import orchestration.definitions  # noqa: F401

    with err.status("atom build: reference data, usage, dbt and snapshot"):
        started = time.perf_counter()
        summary = run_build()
        total = time.perf_counter() - started
    if not summary.success:
        raise SystemExit(f"build failed: {summary.error}")
    stage_seconds = summary.stage_seconds
    return {
        "events_landed": rows,
        "files": len(files),
        "baseline_raw_load_s": round(baseline_s, 2),
        # Resolving the job and opening the Dagster instance.
        "startup_s": round(total - sum(stage_seconds.values()), 2),
        "reference_s": round(stage_seconds["reference"], 2),
        "usage_load_s": round(stage_seconds["usage"], 2),
        "dbt_and_snapshot_s": round(stage_seconds["transform"], 2),
        "landing_to_invoice_lines_s": round(total, 2),
        "usage_load_vs_raw_load": round(baseline_s / stage_seconds["usage"], 3),
        "loaded": summary.usage.get("loaded", 0),
        "quarantined": summary.usage.get("quarantined", 0),
        "duplicates": summary.usage.get("duplicates", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, action="append", help="events to generate (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "pipeline.json")
    args = parser.parse_args()
    sizes = args.events or [1_000_000, 10_000_000]
    results = []
    with tempfile.TemporaryDirectory(prefix="atom-bench-pipeline-") as tmp:
        for events in sizes:
            results.append({"events": events, **measure(events, Path(tmp), args.seed)})
            err.print(results[-1])
    header = [
        "events",
        "files",
        "baseline_raw_load_s",
        "startup_s",
        "reference_s",
        "usage_load_s",
        "usage_load_vs_raw_load",
        "dbt_and_snapshot_s",
        "landing_to_invoice_lines_s",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in results:
        print(
            "| "
            + " | ".join(f"{row[h]:,}" if isinstance(row[h], int) else str(row[h]) for h in header)
            + " |"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
