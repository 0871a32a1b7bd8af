"""Benchmark the portal's server time per page on a demo marketplace built for the purpose.

    python bench/bench_portal.py [--scale default] [--home DIR] [--runs 5]

Builds the demo into a scratch ``ATOM_HOME`` (``atom demo --scale ... --no-portal``), closes the last whole
month (``atom billing run``) so the billing pages have invoices, then runs ``python -m tools.perf``: every page
through Streamlit's ``AppTest`` as admin, first visit, cold caches and warm median. ``--home`` reuses (or
keeps) a home, e.g. to take screenshots of the same data afterwards. Progress goes to stderr; a markdown
table to stdout; the figures to ``bench/results/portal-<scale>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    print("$ " + " ".join(args), file=sys.stderr, flush=True)
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result


def last_whole_month(today: datetime) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="default", choices=["small", "default", "large"])
    parser.add_argument("--home", type=Path, help="ATOM_HOME to build into (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=5, help="warm reruns per page")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="atom-bench-portal-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_"))}
    env["ATOM_HOME"] = str(home.resolve())

    started = time.monotonic()
    _run([str(BIN / "atom"), "demo", "--scale", args.scale, "--no-portal"], env)
    demo_s = time.monotonic() - started
    period = last_whole_month(datetime.now(UTC))
    started = time.monotonic()
    _run([str(BIN / "atom"), "billing", "run", "--period", period], env)
    billing_s = time.monotonic() - started
    table = _run([sys.executable, "-m", "tools.perf", "--runs", str(args.runs)], env).stdout.strip()

    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    figures = {
        "scale": args.scale,
        "demo_seconds": round(demo_s, 1),
        "billing_run_seconds": round(billing_s, 1),
        "period": period,
        "pages": {
            title.strip(): {"first_s": float(a), "cold_s": float(b), "warm_median_s": float(c)}
            for title, a, b, c in rows
        },
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"portal-{args.scale}.json").write_text(json.dumps(figures, indent=2))

    slowest = max(figures["pages"].items(), key=lambda item: item[1]["cold_s"])
    print(
        f"`{args.scale}` demo built in {demo_s:.0f} s (`atom demo --no-portal`), {period} closed in "
        f"{billing_s:.0f} s (`atom billing run`). Server time per page through `AppTest`, signed in as admin "
        "(first: first visit after the server starts; cold: caches cleared; warm: median of reruns):\n"
    )
    print(table)
    print(
        f"\nSlowest cold page: {slowest[0]} at {slowest[1]['cold_s']:.3f} s "
        f"(target: under 1 s of server time on `default`)."
    )


if __name__ == "__main__":
    main()
