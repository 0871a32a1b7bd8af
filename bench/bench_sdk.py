"""Benchmark usage intake through the API with the Python SDK's batching recorder, on loopback.

    python bench/bench_sdk.py --events 200000 --clients 1 4 16

A real intake API (one uvicorn worker, the production ``ApiConfig``) is started on 127.0.0.1 in a fresh
ATOM_HOME holding a small generated marketplace. For each client count, that many threads each hold their
own ``atom_sdk.Client`` (one tenant key each) and batching recorder (``--batch-size`` events a request) and
record an equal share of ``--events``. Figures per run: events/s from the first ``record()`` to the last
recorder's exit (so every batch is acknowledged, durable in the landing zone), and p50/p99 of the batch
round trip as the recorder measured it (request, server, answer; retries included).

Two reference rows say where the time goes:
  * client only: building and encoding the same batches with the SDK, no request (the client's share);
  * landing ceiling: the same NDJSON batch payloads written straight to the landing zone with
    ``ingest.landing.land_bytes`` (temporary name, fsync, rename), no HTTP and no validation.
The issue's target is >= 100,000 events/s on 2 cores with batches of 1,000. Progress goes to stderr, a
markdown table to stdout, the figures to ``bench/results/sdk.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atom_sdk import Client  # noqa: E402
from atom_sdk.events import make_event  # noqa: E402
from pydantic_core import to_json  # noqa: E402

from tests.sdk.live_server import start  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "sdk.json"
START = datetime(2026, 11, 10, tzinfo=UTC)
METRICS = ("workflow_runs", "compute_seconds")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def record_share(client: Client, tenant_id: str, count: int, batch_size: int, out: dict[str, Any]) -> None:
    with client.usage.recorder(batch_size=batch_size, flush_interval=1.0) as recorder:
        for i in range(count):
            recorder.record(
                tenant_id,
                METRICS[i & 1],
                1 if i & 1 == 0 else "2.5",
                timestamp=START + timedelta(milliseconds=i),
                package_id=None,
            )
    out["stats"] = recorder.stats


def run_api(
    url: str, keys: dict[str, str], tenants: list[str], events: int, batch_size: int
) -> dict[str, Any]:
    clients = [Client(keys[f"tenant:{t}"], base_url=url) for t in tenants]
    share = events // len(tenants)
    outs: list[dict[str, Any]] = [{} for _ in tenants]
    threads = [
        threading.Thread(target=record_share, args=(client, tenant, share, batch_size, out))
        for client, tenant, out in zip(clients, tenants, outs, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    latencies = [s for out in outs for s in out["stats"].batch_seconds]
    accepted = sum(out["stats"].accepted for out in outs)
    failed = sum(out["stats"].failed for out in outs)
    if accepted != share * len(tenants) or failed:
        raise RuntimeError(f"accepted {accepted:,} of {share * len(tenants):,} events ({failed:,} failed)")
    return {
        "clients": len(tenants),
        "events": accepted,
        "batches": len(latencies),
        "seconds": round(seconds, 3),
        "events_per_s": round(accepted / seconds),
        "batch_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "batch_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "batch_mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


def batches_of(events: int, batch_size: int, tenant_id: str) -> list[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    out = []
    for i in range(events):
        batch.append(
            make_event(
                tenant_id,
                METRICS[i & 1],
                1 if i & 1 == 0 else "2.5",
                timestamp=START + timedelta(milliseconds=i),
            )
        )
        if len(batch) == batch_size:
            out.append(batch)
            batch = []
    return out + ([batch] if batch else [])


def run_client_only(events: int, batch_size: int) -> dict[str, Any]:
    started = time.perf_counter()
    payloads = [to_json(batch) for batch in batches_of(events, batch_size, "ten_bench_00")]
    seconds = time.perf_counter() - started
    return {
        "events": events,
        "bytes": sum(map(len, payloads)),
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds),
    }


def run_landing_ceiling(home: Path, events: int, batch_size: int) -> dict[str, Any]:
    from ingest.landing import land_bytes

    payloads = [
        b"\n".join(to_json(event) for event in batch) + b"\n"
        for batch in batches_of(events, batch_size, "ten_bench_00")
    ]
    landing = home / "ceiling"
    latencies = []
    started = time.perf_counter()
    for payload in payloads:
        t0 = time.perf_counter()
        land_bytes(landing, payload, ".ndjson")
        latencies.append(time.perf_counter() - t0)
    seconds = time.perf_counter() - started
    return {
        "events": events,
        "batches": len(payloads),
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds),
        "batch_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "batch_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def table(report: dict[str, Any]) -> str:
    lines = [
        "| run | clients | events | events/s | batch p50 ms | batch p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["api"]:
        lines.append(
            f"| API + Python SDK recorder | {row['clients']} | {row['events']:,} | {row['events_per_s']:,} "
            f"| {row['batch_p50_ms']} | {row['batch_p99_ms']} |"
        )
    ceiling = report["landing_ceiling"]
    lines.append(
        f"| landing zone only (ceiling) | 1 | {ceiling['events']:,} | {ceiling['events_per_s']:,} "
        f"| {ceiling['batch_p50_ms']} | {ceiling['batch_p99_ms']} |"
    )
    client = report["client_only"]
    lines.append(
        f"| SDK batch building + encoding only | 1 | {client['events']:,} | {client['events_per_s']:,} | | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=200_000, help="events per run (split among the clients)"
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="events per request")
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 4, 16], help="concurrent clients per run"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON figures")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="atom-bench-sdk-") as tmp:
        home = Path(tmp) / "home"
        tenants = [f"ten_bench_{i:02d}" for i in range(max(args.clients))]
        log(f"starting the API in {home} (small generated marketplace, {len(tenants)} tenant keys)")
        server = start(home, tenants=tuple(tenants))
        try:
            # A short warm-up so imports, caches and the key lookup are not in the first run.
            run_api(server.url, server.keys, tenants[:1], 5 * args.batch_size, args.batch_size)
            api_rows = []
            for count in args.clients:
                log(f"API: {args.events:,} events, {count} client(s), batches of {args.batch_size:,}")
                row = run_api(server.url, server.keys, tenants[:count], args.events, args.batch_size)
                log(
                    f"  {row['events_per_s']:,} events/s, p50 {row['batch_p50_ms']} ms, p99 {row['batch_p99_ms']} ms"
                )
                api_rows.append(row)
        finally:
            server.stop()
        log("landing ceiling and client-only reference runs")
        ceiling = run_landing_ceiling(home, args.events, args.batch_size)
        client_only = run_client_only(args.events, args.batch_size)

    report = {
        "benchmark": "sdk",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "platform": platform.platform()},
        "batch_size": args.batch_size,
        "api": api_rows,
        "landing_ceiling": ceiling,
        "client_only": client_only,
        "target_events_per_s": 100_000,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    raise SystemExit(main())
