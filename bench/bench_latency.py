"""Intake-to-portal latency: from a POST /v1/usage to the batch in the serving snapshot, with the services a
deployment runs (the API and the orchestrator, whose sensor ``build_on_new_data`` builds).

    python bench/bench_latency.py --home /tmp/atom-bench-scale/home-10000000 --samples 5

On a built home (``--home``, e.g. one bench_scale.py kept with ``--keep``; else one is generated and built
with ``--events``), this starts ``atom serve`` and ``atom orchestrator`` (Dagster webserver + daemon) on free
ports of 127.0.0.1, creates a tenant key with ``atom keys create`` (as an operator does), waits for the
sensor's first build (the new key changed the operational DB) to finish, then takes ``--samples`` samples
``--spacing`` seconds apart: POST 100 events of that tenant, find the batch file the API landed, and poll the
snapshot read-only (``marts.fct_ingest_batches`` by the batch's file name) every 0.25 s until it is there.

Where the time goes, per sample, from Dagster's run record of the build that took the batch (read through
the webserver's GraphQL): ``ack`` (POST to 202), ``sensor wait`` (202 to the run's creation: the sensor's
15 s tick and its at-most-one-build-a-minute rule), ``queue`` (creation to start: the run coordinator),
``build`` (start to end of the run) and ``publish/poll`` (run end to the batch seen in the snapshot; the
poll's 0.25 s included). Every process started here is stopped (SIGTERM, then SIGKILL after 60 s).
Figures go to stdout as markdown and to bench/results/latency.json; progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import (
    ATOM,
    DEFAULT_TODAY,
    ROOT,
    checked,
    generate_home,
    home_env,
    load_average,
    log,
    run_timed,
)

OBJECTIVE_S = 60
RUNS_QUERY = """
{ runsOrError(filter: {pipelineName: "build_job"}, limit: 20) {
    ... on Runs { results { runId status creationTime startTime endTime tags { key value } } } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout_s:.0f} s")


def stop(proc: subprocess.Popen[bytes], name: str) -> None:
    """SIGTERM to the process we started (it stops what it started), SIGKILL to its group after 60 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
        log(f"{name} stopped (exit {proc.returncode})")
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop within 60 s: SIGKILL to its process group {proc.pid}")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def build_runs(port: int) -> list[dict]:
    return graphql(port, RUNS_QUERY)["runsOrError"]["results"]


def a_tenant(home: Path) -> str:
    with sqlite3.connect(f"file:{home / 'atom.db'}?mode=ro", uri=True) as conn:
        row = conn.execute("select id from tenants order by id limit 1").fetchone()
    return str(row[0])


def in_snapshot(serving: Path, batch_name: str) -> bool:
    import duckdb

    try:
        with duckdb.connect(str(serving), read_only=True) as conn:
            found = conn.execute(
                "select count(*) from marts.fct_ingest_batches where source_uri like ?", [f"%{batch_name}"]
            ).fetchone()
        return bool(found and found[0])
    except duckdb.Error:  # the file is being replaced: try again
        return False


def post_batch(api_port: int, key: str, tenant: str, sample: int, n: int) -> dict:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    events = [
        {
            "id": f"evt_latency_{os.getpid()}_{sample}_{i:04d}",
            "tenant_id": tenant,
            "metric": "storage_gb",
            "quantity": "1.5",
            "timestamp": now,
        }
        for i in range(n)
    ]
    request = urllib.request.Request(
        f"http://127.0.0.1:{api_port}/v1/usage",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def sample_once(
    sample: int,
    home: Path,
    today: str,
    api_port: int,
    ui_port: int,
    key: str,
    tenant: str,
    n: int,
    timeout_s: float,
) -> dict:
    landing = home / "landing" / "usage" / today
    before = set(landing.glob("batch_*")) if landing.is_dir() else set()
    load = load_average()
    t0 = time.time()
    answer = post_batch(api_port, key, tenant, sample, n)
    t_ack = time.time()
    if answer.get("accepted") != n:
        raise SystemExit(f"the API did not accept the batch: {answer}")
    landed = [p for p in set(landing.glob("batch_*")) - before if not p.name.endswith(".manifest")]
    if len(landed) != 1:
        raise SystemExit(f"expected one new batch file in {landing}, found {landed}")
    batch = landed[0].name
    serving = home / "serving.duckdb"
    deadline = time.monotonic() + timeout_s
    t_seen = None
    while time.monotonic() < deadline:
        if in_snapshot(serving, batch):
            t_seen = time.time()
            break
        time.sleep(0.25)
    row: dict = {
        "sample": sample,
        "load_before": load,
        "batch": batch,
        "ack_s": round(t_ack - t0, 3),
        "latency_s": round(t_seen - t0, 2) if t_seen else None,
    }
    # The build that published it: the last run started before the batch was seen (the snapshot is
    # published before the run ends: its checks follow). A negative sensor wait means that run was already
    # created (queued or running) at the 202 and its usage step still found the batch.
    runs = sorted((r for r in build_runs(ui_port) if r["startTime"]), key=lambda r: r["startTime"])
    taking = [r for r in runs if t_seen and r["startTime"] <= t_seen]
    if taking and t_seen:
        run = taking[-1]
        created, started = float(run["creationTime"]), float(run["startTime"])
        row |= {
            "run_id": run["runId"],
            "trigger": {t["key"]: t["value"] for t in run["tags"]}.get("atom/trigger"),
            "sensor_wait_s": round(created - t_ack, 2),
            "queue_s": round(started - created, 2),
            "run_to_snapshot_s": round(t_seen - started, 2),
        }
    log(f"sample {sample}: {row}")
    return row


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM unwinds like Ctrl-C: services stop
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, help="a built home (else one is generated and built)")
    parser.add_argument("--events", type=int, default=10_000_000, help="size of the home made without --home")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", default=DEFAULT_TODAY)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--spacing", type=float, default=90.0, help="seconds between POSTs")
    parser.add_argument("--batch-events", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up on one sample after this")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "latency.json")
    args = parser.parse_args()

    home = args.home
    if home is None:
        home = Path("/tmp/atom-bench-latency") / f"home-{args.events}"
        log(f"generating {args.events:,} events into {home} (not timed)")
        generate_home(home, args.events, args.seed, args.today)
        checked(run_timed([ATOM, "build"], home_env(home, args.today)), "first atom build")
    env = home_env(home, args.today)
    events_in_home = None
    tenant = a_tenant(home)
    made = subprocess.run(
        [ATOM, "keys", "create", "--role", "tenant", "--subject", tenant],
        env=env,
        cwd=env["ATOM_BENCH_TREE"],
        capture_output=True,
        text=True,
        check=True,
    )
    key = made.stdout.strip().splitlines()[-1].strip()

    api_port, ui_port, metrics_port = free_port(), free_port(), free_port()
    log_dir = Path(f"/tmp/atom-bench-latency-logs-{os.getpid()}")
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    samples: list[dict] = []
    try:
        with open(log_dir / "serve.log", "wb") as out:
            api = subprocess.Popen(
                [ATOM, "serve", "--host", "127.0.0.1", "--port", str(api_port)],
                env=env,
                cwd=env["ATOM_BENCH_TREE"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(("atom serve", api))
        with open(log_dir / "orchestrator.log", "wb") as out:
            orchestrator = subprocess.Popen(
                [
                    ATOM,
                    "orchestrator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ui_port),
                    "--metrics-port",
                    str(metrics_port),
                ],
                env=env,
                cwd=env["ATOM_BENCH_TREE"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(("atom orchestrator", orchestrator))
        started = time.monotonic()
        wait_http(f"http://127.0.0.1:{api_port}/healthz", api, 120)
        wait_http(f"http://127.0.0.1:{ui_port}/server_info", orchestrator, 300)
        log(f"API on :{api_port}, Dagster on :{ui_port} after {time.monotonic() - started:.0f} s")

        # The key changed the operational DB: the sensor builds once. Wait for it (bounded) to begin clean.
        # Done when a run newer than those of `atom build` has finished and none is queued or running, or
        # when no new run came within 90 s (the sensor found nothing to do).
        before = len(build_runs(ui_port))
        quiet_since = time.monotonic()
        settle_deadline = time.monotonic() + 900
        while time.monotonic() < settle_deadline:
            runs = build_runs(ui_port)
            finished = all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs)
            if finished and (len(runs) > before or time.monotonic() - quiet_since > 90):
                break
            time.sleep(2)
        runs = build_runs(ui_port)
        log(f"settled: {len(runs)} build run(s) so far, statuses {[r['status'] for r in runs]}")
        time.sleep(args.spacing / 2)  # the first sample lands mid-way between the sensor's builds

        for sample in range(1, args.samples + 1):
            begun = time.monotonic()
            samples.append(
                sample_once(
                    sample, home, args.today, api_port, ui_port, key, tenant, args.batch_events, args.timeout
                )
            )
            if sample < args.samples:
                time.sleep(max(0.0, args.spacing - (time.monotonic() - begun)))
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave services behind
        # Let a build in flight finish first (bounded): stopping the daemon mid-run leaves that run STARTED
        # in Dagster's storage, and the sensor and `atom build` then wait for it for ever.
        drain_deadline = time.monotonic() + 600
        while processes and time.monotonic() < drain_deadline:
            try:
                if not any(r["status"] in ("QUEUED", "STARTING", "STARTED") for r in build_runs(ui_port)):
                    break
            except (OSError, KeyError, TypeError):
                break
            time.sleep(2)
        # The publishing runs' end (their checks run after the snapshot), known only now.
        try:
            runs = {r["runId"]: r for r in build_runs(ui_port)} if samples else {}
        except (OSError, KeyError, TypeError):
            runs = {}
        for s in samples:
            run = runs.get(s.get("run_id", ""))
            if run and run["endTime"] and run["startTime"]:
                s["run_seconds"] = round(float(run["endTime"]) - float(run["startTime"]), 2)
        for name, proc in reversed(processes):
            stop(proc, name)

    latencies = [s["latency_s"] for s in samples if s.get("latency_s") is not None]
    result = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "home": str(home),
        "events_in_home": events_in_home,
        "today": args.today,
        "spacing_s": args.spacing,
        "batch_events": args.batch_events,
        "samples": samples,
        "median_s": statistics.median(latencies) if latencies else None,
        "max_s": max(latencies) if latencies else None,
        "missed": len(samples) - len(latencies),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))

    print(
        "| sample | load avg before | POST to 202, s | sensor wait (202 to run created), s | queue, s | "
        "run start to batch in snapshot, s | POST to snapshot, s |\n|---:|---|---:|---:|---:|---:|---:|"
    )
    for s in samples:
        cells = [s.get(k) for k in ("ack_s", "sensor_wait_s", "queue_s", "run_to_snapshot_s", "latency_s")]
        print(
            f"| {s['sample']} | {s['load_before']} | "
            + " | ".join("-" if c is None else f"{c:.2f}" for c in cells)
            + " |"
        )
    print()
    if latencies:
        met = "met" if max(latencies) <= OBJECTIVE_S else "missed"
        print(
            f"Median {result['median_s']:.1f} s, max {result['max_s']:.1f} s over {len(latencies)} samples "
            f"(objective: within {OBJECTIVE_S} s; **{met}** by the max)."
        )


if __name__ == "__main__":
    main()
