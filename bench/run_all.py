"""Run every benchmark and rewrite docs/benchmarks.md from what they print.

    python bench/run_all.py [--only ingest,pipeline] [--quick]

Each benchmark is its own script (``bench/bench_*.py``) that prints a markdown table on stdout and writes
its raw figures to ``bench/results/<name>.json``. This runner records the exact command, the machine and
the date beside each table, so every figure in the doc can be reproduced. Speed is reported as ratios
against a baseline measured in the same run where one exists: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"

# name -> (script arguments for the full run, for --quick, what it measures)
BENCHMARKS: dict[str, tuple[list[str], list[str], str]] = {
    "ingest": (
        ["bench/bench_ingest.py", "--events", "10000000"],
        ["bench/bench_ingest.py", "--events", "1000000"],
        "Loader vs DuckDB's raw load of the same Parquet file; dedupe of a 1M batch into the loaded table.",
    ),
    "ingest_command": (
        ["bench/bench_ingest_command.py", "--events", "10000000", "--runs", "3"],
        ["bench/bench_ingest_command.py", "--events", "1000000", "--runs", "1"],
        "`atom ingest FILE` as a user runs it against DuckDB's raw load of the same file, both as whole processes.",
    ),
    "pipeline": (
        ["bench/bench_pipeline.py", "--events", "1000000", "--events", "10000000"],
        ["bench/bench_pipeline.py", "--events", "1000000"],
        "Landing zone to rated invoice lines and snapshot through Dagster (`atom build`), per stage.",
    ),
    "scale": (
        ["bench/bench_scale.py", "--events", "1000000", "--events", "10000000", "--events", "50000000"],
        ["bench/bench_scale.py", "--events", "1000000"],
        "`atom build` (first, +10k events, no-op, --full-refresh) and `atom ingest FILE` as whole processes, by size.",
    ),
    "latency": (
        ["bench/bench_latency.py", "--events", "10000000", "--samples", "5"],
        ["bench/bench_latency.py", "--events", "1000000", "--samples", "2"],
        "Intake to portal: POST /v1/usage to the batch in the serving snapshot, through the build sensor.",
    ),
    "engines": (
        ["bench/bench_engines.py", "--events", "10000000", "--then-new", "10000"],
        ["bench/bench_engines.py", "--events", "1000000", "--then-new", "10000"],
        "The same events built with DuckDB and with Spark local (`ATOM_ENGINE=spark atom build`), then 10,000 "
        "new events built and full-refreshed on each (their marts must equal).",
    ),
    "governance": (
        ["bench/bench_governance.py"],
        ["bench/bench_governance.py"],
        "Scanner throughput (lines/s per core) and a 50 KB package after start-up.",
    ),
    "api": (
        ["bench/bench_api.py"],
        ["bench/bench_api.py"],
        "Events/s through the intake API on loopback, against writing the same batches to the landing zone.",
    ),
    "sdk": (
        ["bench/bench_sdk.py"],
        ["bench/bench_sdk.py"],
        "Events/s with the Python SDK's batching recorder on loopback.",
    ),
    "billing": (
        ["bench/bench_billing.py"],
        ["bench/bench_billing.py"],
        "Finalizing a month for 10,000 tenants and the dry-run Stripe sync of it.",
    ),
    "portal": (
        ["bench/bench_portal.py", "--scale", "default"],
        ["bench/bench_portal.py", "--scale", "small"],
        "Server time of every portal page on a freshly built demo marketplace with one closed month.",
    ),
    "portal_large": (
        ["bench/bench_portal.py", "--scale", "large", "--runs", "3"],
        ["bench/bench_portal.py", "--scale", "small", "--runs", "3"],
        "The same on the `large` demo (~50M events): is the portal still usable on a big warehouse?",
    ),
}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def previous_sections() -> dict[str, str]:
    """The sections of the current doc by benchmark name, so a partial run keeps what it did not rerun."""
    if not DOC.exists():
        return {}
    sections: dict[str, str] = {}
    for chunk in DOC.read_text().split("\n## ")[1:]:
        name = chunk.split("\n", 1)[0].strip()
        if name in BENCHMARKS:
            sections[name] = "## " + chunk.rstrip("\n") + "\n"
    return sections


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for checking the benchmarks run")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    header = [
        "# Benchmarks\n",
        "Written by `make bench` (`python bench/run_all.py`); each section gives the exact command, the "
        "machine and the date it ran. The machines are shared and noisy: read ratios against the baseline "
        "measured in the same run, not absolute seconds. `--only` reruns some sections and keeps the others.\n",
    ]
    sections = previous_sections()
    for name in names:
        full, quick, what = BENCHMARKS[name]
        script = quick if args.quick else full
        if not (ROOT / script[0]).exists():
            print(f"skipping {name}: {script[0]} does not exist", file=sys.stderr)
            continue
        command = " ".join(["python", *script])
        print(f"== {name}: {command}", file=sys.stderr)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, *script], cwd=ROOT, capture_output=True, text=True, check=False
        )
        seconds = time.monotonic() - started
        sys.stderr.write(result.stderr[-2000:])
        body = (
            result.stdout.strip()
            if result.returncode == 0
            else f"FAILED (exit {result.returncode}):\n\n```\n{result.stderr[-1500:]}\n```"
        )
        sections[name] = (
            f"## {name}\n\n{what}\n\nCommand: `{command}` ({seconds:.0f} s). "
            f"Machine: {machine()}. Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.\n\n{body}\n"
        )
    ordered = [sections[name] for name in BENCHMARKS if name in sections]
    DOC.write_text("\n".join(header + ordered))
    print(f"wrote {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
