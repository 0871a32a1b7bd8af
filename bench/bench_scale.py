"""Scale curve of the commands a user runs: `atom build` (first, +10k events, no-op, --full-refresh) and
`atom ingest FILE`, each as a whole process, at several sizes of the generated marketplace.

    python bench/bench_scale.py --events 1000000 --events 10000000 [--keep]

For each size, a fresh ATOM_HOME under /tmp gets the demo marketplace generated with that many events as of
a pinned day (``ATOM_TODAY``, ``--today``; generation is not timed). Then, timed as subprocesses in this
order, as a user would run them:

1. ``atom build``: the first, full build of the landing zone;
2. ``atom build`` after 10,000 new events landed: one valid Parquet batch in today's landing directory,
   9,000 events of today and 1,000 late ones from earlier months (ids never seen before);
3. ``atom build`` again: nothing new, must answer "Up to date";
4. ``atom build --full-refresh``: every model from raw;
5. ``atom ingest FILE`` of another 10,000-event file (loads only: no dbt).

Peak RSS is the largest sum of VmRSS over the command's whole process tree (the command and every
descendant: dbt, Spark), polled from /proc every 0.1 s; shared pages count once per process, so it is an
upper bound. The stage seconds each `atom build` prints are kept. Figures go to stdout as markdown and to
bench/results/scale.json; progress to stderr. ``--keep`` keeps the homes (bench_latency.py reuses one).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ATOM = str(Path(sys.executable).with_name("atom"))
DEFAULT_TODAY = "2026-12-07"
CLEARED = (
    "ATOM_WAREHOUSE",
    "ATOM_SERVING",
    "ATOM_DATABASE_URL",
    "ATOM_PRICE_BOOK",
    "DAGSTER_HOME",
    "ATOM_ENGINE",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- a home ------------------------------------------------------------------------------------------------


def product_tree() -> tuple[Path, str]:
    """The committed product at HEAD (or ``ATOM_BENCH_COMMIT``), exported once to /tmp (``git archive``),
    and its commit.

    Other sessions edit this checkout while benchmarks run; a build of a half-edited dbt model would fail,
    and an edit between two builds changes the project's fingerprint (a no-op build would rebuild). The
    commands therefore run from this export (``PYTHONPATH`` before the editable install, same venv)."""
    commit = os.environ.get("ATOM_BENCH_COMMIT", "HEAD")  # pin one commit across several runs
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path(f"/tmp/atom-bench-tree-{sha}")
    if not (tree / "pyproject.toml").exists():
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
        shutil.rmtree(tree, ignore_errors=True)
        partial.rename(tree)
    return tree, sha


def home_env(home: Path, today: str, **extra: str) -> dict[str, str]:
    """The environment a user's shell would have for this home: ATOM_HOME and the pinned day, nothing else
    of ours, the product at HEAD first on the path, and a wide terminal so rich does not wrap our lines."""
    tree, _ = product_tree()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env |= {"ATOM_HOME": str(home), "ATOM_TODAY": today, "COLUMNS": "400", "TERM": "dumb"}
    env |= {"PYTHONPATH": str(tree), "ATOM_BENCH_TREE": str(tree), **extra}
    return env


def generate_home(home: Path, events: int, seed: int, today: str) -> dict[str, int]:
    """The demo marketplace with ``events`` events as of ``today`` (not timed), in this process."""
    from atom.settings import get_settings, reset_settings_cache
    from ingest.synthetic import generate
    from ingest.synthetic.scales import get_scale

    if home.exists():
        shutil.rmtree(home)
    saved = {k: os.environ.get(k) for k in ("ATOM_HOME", "ATOM_TODAY", *CLEARED)}
    os.environ |= {"ATOM_HOME": str(home), "ATOM_TODAY": today}
    for key in CLEARED:
        os.environ.pop(key, None)
    try:
        reset_settings_cache()
        settings = get_settings()
        settings.ensure_dirs()
        summary = generate(
            settings,
            scale=dataclasses.replace(get_scale("default"), events=events),
            seed=seed,
            today=date.fromisoformat(today),
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()
    return {k: v for k, v in vars(summary).items() if isinstance(v, int)}


def new_events_file(home: Path, today: str, path: Path, tag: str, n: int = 10_000, late: int = 1_000) -> Path:
    """A valid batch of ``n`` events never seen before: ``n - late`` drawn from the rows landed on the last
    landing day, ``late`` from a landing day about two months earlier (late events of earlier months), each
    with a new id. The rows keep the generator's tenants, metrics, packages and its small malformed share."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    landing = home / "landing" / "usage"
    days = sorted(d for d in landing.iterdir() if d.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.name))
    last = days[-1]
    earlier = min(
        days,
        key=lambda d: abs(
            (date.fromisoformat(d.name) - (date.fromisoformat(today) - timedelta(days=60))).days
        ),
    )

    def rows(day: Path, count: int) -> pa.Table:
        tables = [pq.read_table(f) for f in sorted(day.glob("synthetic-*.parquet"))]
        table = pa.concat_tables(tables)
        step = max(table.num_rows // count, 1)  # spread over the day; cycles on a day with fewer rows
        return table.take(pa.array([(i * step) % table.num_rows for i in range(count)]))

    table = pa.concat_tables([rows(last, n - late), rows(earlier, late)])
    ids = pa.array([f"evt_bench_{tag}_{i:06d}" for i in range(table.num_rows)], pa.string())
    table = table.set_column(table.schema.get_field_index("id"), "id", ids)
    assert pc.count_distinct(table["id"]).as_py() == n
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


# -- a command as the user runs it -------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_rss_bytes(pid: int) -> int:
    """VmRSS summed over ``pid`` and all its descendants, now."""
    children = _children_map()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


@dataclasses.dataclass
class Timed:
    command: str
    seconds: float
    peak_rss_mib: float
    returncode: int
    load_before: str
    stderr_tail: str
    stdout_tail: str
    stages: dict[str, float]


def run_timed(args: list[str], env: dict[str, str], timeout: float = 3600) -> Timed:
    """Run ``args`` as a subprocess, timing it and polling its process tree's resident memory."""
    load = load_average()
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=env.get("ATOM_BENCH_TREE", ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(proc.pid))
            done.wait(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM to this script: stop the command too, then unwind
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        done.set()
        raise
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    poller.join()
    stages: dict[str, float] = {}
    match = re.search(r"assets in ([\d.]+) s(?: \(full refresh\))? \(([^)]*)\)", stderr)
    if match:
        stages = {name: float(s) for name, s in re.findall(r"(\w+) ([\d.]+) s", match.group(2))}
        stages["dagster_total"] = float(match.group(1))
    return Timed(
        command=" ".join(["atom", *args[1:]]) if args[0] == ATOM else " ".join(args),
        seconds=round(seconds, 2),
        peak_rss_mib=round(peak / 2**20, 1),
        returncode=proc.returncode,
        load_before=load,
        stderr_tail=stderr[-1500:],
        stdout_tail=stdout[-1500:],
        stages=stages,
    )


def checked(result: Timed, what: str) -> Timed:
    log(
        f"{what}: {result.seconds} s, peak RSS {result.peak_rss_mib} MiB, exit {result.returncode} {result.stages}"
    )
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit {result.returncode}):\n{result.stderr_tail}")
    return result


# -- the curve ---------------------------------------------------------------------------------------------


def dbt_summary(home: Path, since: float) -> dict[str, object] | None:
    """Where a build's dbt time went, from dbt's run_results.json when this build wrote it."""
    path = home / "dbt_target" / "build" / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since:
        return None
    results = json.loads(path.read_text())
    by_kind: dict[str, list[float]] = {}
    for node in results["results"]:
        by_kind.setdefault(node["unique_id"].split(".")[0], []).append(node["execution_time"])
    slowest = sorted(results["results"], key=lambda n: -n["execution_time"])[:5]
    return {
        "elapsed_s": round(results["elapsed_time"], 1),
        "nodes": {k: {"count": len(v), "seconds": round(sum(v), 1)} for k, v in by_kind.items()},
        "slowest": [(n["unique_id"].split(".")[-1], round(n["execution_time"], 2)) for n in slowest],
    }


def measure(events: int, work: Path, seed: int, today: str, partial: Path | None = None) -> dict[str, object]:
    home = work / f"home-{events}"
    log(f"generating {events:,} events into {home} (not timed)")
    started = time.perf_counter()
    generated = generate_home(home, events, seed, today)
    generate_s = time.perf_counter() - started
    env = home_env(home, today)
    row: dict[str, object] = {
        "events": events,
        "commit": product_tree()[1],
        "home": str(home),
        "generate_s": round(generate_s, 1),
        **{f"generated_{k}": v for k, v in generated.items()},
    }
    runs: dict[str, Timed] = {}
    dbt: dict[str, object] = {}

    def step(name: str, args: list[str], what: str) -> Timed:
        began = time.time()
        runs[name] = checked(run_timed(args, env), what)
        dbt[name] = dbt_summary(home, began)
        if partial:  # what is measured so far survives a run stopped at a deadline
            done = {name: dataclasses.asdict(r) for name, r in runs.items()}
            partial.write_text(json.dumps({**row, "runs": done, "dbt": dbt}, indent=2))
        return runs[name]

    full = step("full", [ATOM, "build"], "first atom build")
    new_events_file(
        home, today, home / "landing" / "usage" / today / f"batch_bench_plus10k_{events}.parquet", "plus10k"
    )
    plus = step("plus_10k", [ATOM, "build"], "atom build after +10k events")
    noop = step("noop", [ATOM, "build"], "no-op atom build")
    if "Up to date" not in noop.stderr_tail:
        raise SystemExit(f"the no-op build did not answer 'Up to date':\n{noop.stderr_tail}")
    refresh = step("full_refresh", [ATOM, "build", "--full-refresh"], "atom build --full-refresh")
    ingest_file = new_events_file(home, today, work / f"ingest-{events}.parquet", "ingest")
    step("ingest_10k", [ATOM, "ingest", str(ingest_file)], "atom ingest FILE (10k)")
    ingest_file.unlink()
    row |= {
        "runs": {name: dataclasses.asdict(r) for name, r in runs.items()},
        "dbt": dbt,
        "plus_10k_vs_full": round(plus.seconds / full.seconds, 3),
        "noop_s": noop.seconds,
        "full_refresh_vs_full": round(refresh.seconds / full.seconds, 3),
    }
    return row


def stage_text(stages: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if k != "dagster_total")


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops the command in flight too
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, action="append", help="events to generate (repeatable)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", default=DEFAULT_TODAY, help="ATOM_TODAY for generation and every command")
    parser.add_argument("--work", type=Path, default=Path("/tmp/atom-bench-scale"))
    parser.add_argument("--keep", action="store_true", help="keep the homes (else each is deleted after)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args()
    sizes = args.events or [1_000_000, 10_000_000]
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for events in sizes:
        partial = args.output.with_name(f"{args.output.stem}-{events}.partial.json")
        row = measure(events, args.work, args.seed, args.today, partial)
        partial.unlink(missing_ok=True)
        results.append(row)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            json.dumps(
                {
                    "machine": platform.platform(),
                    "cpus": os.cpu_count(),
                    "today": args.today,
                    "results": results,
                },
                indent=2,
            )
        )
        if not args.keep:
            shutil.rmtree(row["home"], ignore_errors=True)  # type: ignore[arg-type]

    print(
        "| events | command | s | load avg before | peak RSS (tree), MiB | stages `atom build` printed, s |\n"
        "|---:|---|---:|---|---:|---|"
    )
    for row in results:
        for name, run in row["runs"].items():  # type: ignore[attr-defined]
            print(
                f"| {row['events']:,} | `{run['command'].split(' /')[0]}`{' (10k file)' if name == 'ingest_10k' else ''}"
                f"{' after +10k events' if name == 'plus_10k' else ''}{' (nothing new)' if name == 'noop' else ''} "
                f"| {run['seconds']:.2f} | {run['load_before']} | {run['peak_rss_mib']:,.0f} | {stage_text(run['stages'])} |"
            )
    print()
    print(
        "| events | +10k / full (target <= 0.15) | no-op, s (target <= 5) | full-refresh / full |\n|---:|---:|---:|---:|"
    )
    for row in results:
        print(
            f"| {row['events']:,} | {row['plus_10k_vs_full']:.3f} | {row['noop_s']:.2f} | {row['full_refresh_vs_full']:.3f} |"
        )


if __name__ == "__main__":
    main()
