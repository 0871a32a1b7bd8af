"""Benchmark usage intake through the API on loopback, against landing the same batches directly.

    python bench/bench_api.py --batches 200 --concurrency 1,4,16 --workers 1
    python bench/bench_api.py --workers 2 --redis     # limits and recent ids shared through Redis

The server is what a deployment runs, ``atom serve --workers N`` (uvicorn, Prometheus multiprocess mode
beyond one worker), on 127.0.0.1 with a fresh ATOM_HOME; with ``--redis`` the limits and recent-id claims
go through a throwaway Debian ``redis-server`` on a free loopback port, as compose and the chart do. Clients
are ``httpx.AsyncClient``s posting pre-encoded JSON arrays of ``--batch-size`` events (unique ids, valid, so
each event goes through validation, the recent-id store and the landing zone). Per concurrency level:
events/s over the wall time, and p50/p99 latency of one batch. The ceiling is the same batches written
straight to the landing zone with ``ingest.landing.land_bytes`` (temp name, fsync, rename), one thread.
Every row is also given as a ratio to that ceiling, measured in the same run (the machines are shared and
noisy: only ratios compare across runs). Target: >= 100,000 events/s on 2 cores with batches of 1,000. The
client runs on the same 2 cores as the server's workers (and Redis).

``--profile`` runs uvicorn itself under cProfile (one worker) and prints where its time goes.
Progress on stderr; a markdown table on stdout; the figures to ``bench/results/api_w<N>[_redis].json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import pstats
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atom.opdb import Tenant, make_engine, migrate, session_scope  # noqa: E402
from atom.opdb.registry import utcnow  # noqa: E402
from atom.settings import Settings, subprocess_env  # noqa: E402
from ingest.api.keys import create_api_key  # noqa: E402
from ingest.landing import land_bytes  # noqa: E402

PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
"""
TENANTS = [f"ten_{i:03d}" for i in range(16)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_home(home: Path) -> tuple[Settings, list[str]]:
    settings = Settings(ATOM_HOME=str(home))  # type: ignore[call-arg]
    settings.ensure_dirs()
    settings.price_book_path.write_text(PRICE_BOOK)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    keys = []
    with session_scope(engine) as session:
        for tenant in TENANTS:
            session.add(Tenant(id=tenant, name=tenant, segment=None, country=None, created_at=utcnow()))
        session.flush()
        for tenant in TENANTS:
            keys.append(create_api_key(session, "tenant", tenant)[1])
    engine.dispose()
    return settings, keys


def make_batches(count: int, size: int, run: str) -> list[tuple[int, bytes]]:
    """(client tenant index, body) pairs; each client posts for its own tenant with its own key."""
    batches = []
    for b in range(count):
        tenant_index = b % len(TENANTS)
        events = [
            {
                "id": f"{run}_{b}_{i}",
                "tenant_id": TENANTS[tenant_index],
                "metric": "workflow_runs",
                "quantity": "1",
                "timestamp": "2026-10-03T12:00:00Z",
                "package_id": "pkg_slack_notify",
                "properties": {"run": i},
            }
            for i in range(size)
        ]
        batches.append((tenant_index, orjson.dumps(events)))
    return batches


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway redis-server (Debian's) on a free loopback port, persistence off, as tests/redis starts
    one; returns once it answers PING."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                client.ping()
                return process, url
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError("redis-server did not start (Debian package redis-server)") from None
                time.sleep(0.05)
    finally:
        client.close()


def start_server(
    settings: Settings, workers: int, profile_path: Path | None, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if profile_path is None:  # what compose and the chart run
        command = [
            str(Path(sys.executable).parent / "atom"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    else:  # cProfile needs the server in this interpreter: uvicorn itself, one worker
        command = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(profile_path),
            "-m",
            "uvicorn",
            "ingest.api.app:create_served_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    process = subprocess.Popen(
        command,
        env=subprocess_env(settings, **env),
        stdout=subprocess.DEVNULL,
        stderr=open(settings.home / "server.log", "wb"),  # noqa: SIM115 - lives as long as the server
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start; see {settings.home / 'server.log'}")


async def drive(
    url: str, keys: list[str], batches: list[tuple[int, bytes]], concurrency: int
) -> dict[str, Any]:
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    latencies: list[float] = []
    accepted = 0

    async def client() -> None:
        nonlocal accepted
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            while True:
                try:
                    tenant_index, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await http.post(
                    "/v1/usage",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {keys[tenant_index]}",
                        "Content-Type": "application/json",
                    },
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 202:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                accepted += response.json()["accepted"]

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "concurrency": concurrency,
        "batches": len(batches),
        "events": accepted,
        "seconds": round(wall, 3),
        "events_per_s": round(accepted / wall),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


def landing_ceiling(settings: Settings, batches: list[tuple[int, bytes]], size: int) -> dict[str, Any]:
    """The same bodies, as NDJSON, written straight to the landing zone: what durability alone costs."""
    bodies = [b"\n".join(orjson.dumps(e) for e in orjson.loads(body)) + b"\n" for _, body in batches]
    target = settings.home / "ceiling"
    latencies = []
    started = time.perf_counter()
    for body in bodies:
        t0 = time.perf_counter()
        land_bytes(target, body, ".ndjson")
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "concurrency": "direct",
        "batches": len(bodies),
        "events": len(bodies) * size,
        "seconds": round(wall, 3),
        "events_per_s": round(len(bodies) * size / wall),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


def breakdown(settings: Settings, size: int, repeats: int = 30) -> dict[str, float]:
    """Milliseconds per batch of each server-side step, in process, on one batch body (where the time goes)."""
    from atom.opdb import make_engine
    from ingest.api.audit import record_audit
    from ingest.api.intake import classify, first_occurrences, parse_body, payload, resolve
    from ingest.api.recent_ids import RecentIdStore

    ((_, body),) = make_batches(1, size, run="breakdown")
    tenants, metrics = frozenset(TENANTS), frozenset({"workflow_runs", "compute_seconds"})
    store = RecentIdStore(settings.home / "breakdown_ids")
    engine = make_engine(settings.database_url)
    timings: dict[str, list[float]] = {
        k: [] for k in ("parse", "classify", "claim", "resolve", "land", "audit")
    }
    for n in range(repeats):
        t0 = time.perf_counter()
        records = parse_body(body, "application/json")
        t1 = time.perf_counter()
        batch = classify(records, metrics=metrics, tenants=tenants)
        t2 = time.perf_counter()
        first = {key + n: content for key, content in first_occurrences(batch).items()}
        known = store.check_and_claim(first)
        t3 = time.perf_counter()
        outcome = resolve(batch, known)
        t4 = time.perf_counter()
        land_bytes(settings.home / "breakdown_landing", payload(batch, outcome.errors), ".ndjson")
        t5 = time.perf_counter()
        with session_scope(engine) as session:
            record_audit(session, None, action="bench", target_type="usage_batch", target_id=str(n))
        t6 = time.perf_counter()
        for key, (a, b) in zip(
            timings, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6)], strict=True
        ):
            timings[key].append((b - a) * 1000)
    store.close()
    engine.dispose()
    return {key: round(statistics.median(values), 3) for key, values in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--batches", type=int, default=200, help="batches per concurrency level (default 200)"
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="events per batch (default 1000)")
    parser.add_argument(
        "--concurrency", default="1,4,16", help="comma-separated client counts (default 1,4,16)"
    )
    parser.add_argument("--workers", type=int, default=1, help="`atom serve --workers` (default 1)")
    parser.add_argument("--profile", action="store_true", help="profile the server with cProfile (1 worker)")
    parser.add_argument(
        "--redis", action="store_true", help="share limits and recent ids through a local redis-server"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="default bench/results/api_w<N>[_redis].json"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        settings, keys = setup_home(Path(tmp) / "home")
        profile_path = Path(tmp) / "server.prof" if args.profile else None
        redis_process, env = None, {}
        if args.redis:
            redis_process, env["ATOM_REDIS_URL"] = start_redis(Path(tmp))
        process, url = start_server(settings, 1 if args.profile else args.workers, profile_path, **env)
        rows = []
        load_before = os.getloadavg()
        try:
            # The ceiling before and after the API rows: the machine's other work moves both, and the ratio
            # is taken against their mean.
            direct = [
                landing_ceiling(
                    settings, make_batches(args.batches, args.batch_size, run="d0"), args.batch_size
                )
            ]
            for level in levels:
                log(f"{level} client(s): encoding {args.batches} batches of {args.batch_size}")
                batches = make_batches(args.batches, args.batch_size, run=f"c{level}")
                # A short warm-up (imports, first SQLite pages) outside the measurement.
                asyncio.run(drive(url, keys, make_batches(4, args.batch_size, run=f"w{level}"), level))
                row = asyncio.run(drive(url, keys, batches, level))
                log(f"  {row['events_per_s']:,} events/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms")
                rows.append(row)
            direct.append(
                landing_ceiling(
                    settings, make_batches(args.batches, args.batch_size, run="d1"), args.batch_size
                )
            )
            steps = breakdown(settings, args.batch_size)
            log(f"server steps, ms per batch of {args.batch_size}: {steps}")
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
            if redis_process is not None:
                redis_process.terminate()
                redis_process.wait(timeout=10)
        load_after = os.getloadavg()
        ceiling = statistics.mean(row["events_per_s"] for row in direct)
        for row in rows:
            row["vs_direct"] = round(row["events_per_s"] / ceiling, 4)
        for row in direct:
            row["vs_direct"] = round(row["events_per_s"] / ceiling, 4)
        rows += direct
        hotspots: list[str] = []
        if profile_path is not None and profile_path.exists():
            stats = pstats.Stats(str(profile_path))
            stats.sort_stats("tottime")
            width = 0
            for func, (_cc, _nc, tottime, cumtime, _callers) in sorted(
                stats.stats.items(),  # type: ignore[attr-defined]
                key=lambda item: item[1][2],
                reverse=True,
            )[:25]:
                name = f"{Path(func[0]).name}:{func[1]}({func[2]})"
                width = max(width, len(name))
                hotspots.append(f"{tottime:8.3f}s self {cumtime:8.3f}s cum  {name}")

    result = {
        "benchmark": "api_usage_intake",
        "command": " ".join(["python", "bench/bench_api.py", *sys.argv[1:]]),
        "date": started_at,
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "batch_size": args.batch_size,
        "workers": args.workers,
        "shared_state": "redis" if args.redis else "in process",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "target_events_per_s": 100_000,
        "direct_events_per_s_mean": round(ceiling),
        "rows": rows,
        "server_steps_ms_per_batch": steps,
        "profile_top": hotspots,
    }
    output = args.output or ROOT / "bench" / "results" / (
        f"api_w{args.workers}{'_redis' if args.redis else ''}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"`atom serve --workers {args.workers}`, {'Redis' if args.redis else 'in-process'} limits and "
        f"recent ids; load average {', '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{', '.join(f'{x:.2f}' for x in load_after)} after ({started_at})."
    )
    print()
    print("| clients | batches | events | s | events/s | vs direct | p50 ms/batch | p99 ms/batch |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['concurrency']} | {row['batches']} | {row['events']:,} | {row['seconds']} | "
            f"{row['events_per_s']:,} | {row['vs_direct']:.3f} | {row['p50_ms']} | {row['p99_ms']} |"
        )
    print()
    print(f"Server-side steps, ms per batch of {args.batch_size} (in process, median):")
    print("| " + " | ".join(steps) + " | total |")
    print("|" + "---|" * (len(steps) + 1))
    print("| " + " | ".join(str(v) for v in steps.values()) + f" | {round(sum(steps.values()), 2)} |")
    for line in hotspots:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
