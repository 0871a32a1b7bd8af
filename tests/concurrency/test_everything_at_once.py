"""Everything at once on one operational DB, SQLite and PostgreSQL (issue 13 item 1).

A real ``atom serve --workers 2`` on 127.0.0.1 takes usage from two tenants and package uploads from a
publisher; meanwhile the governance scan and the review console's decision functions (app/review.py) work
the queue, and the pipeline runs a build then a billing run (``atom build``, ``atom billing run``: the
warehouse has one writer, so these two follow each other while everything else goes on). Afterwards:
- nothing failed and nothing said "database is locked" (threads, server log, the CLI's output);
- no lost or doubled write: the warehouse holds each acknowledged event exactly once, the registry each
  acknowledged upload once, the audit log each decision once, and every landed batch reconciles
  (received = loaded + duplicates + quarantined);
- the month closed with gapless invoice numbers, one invoice per tenant.
The figures (requests, batches, events) are printed and attached to the test report (``-rA`` or ``-s``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from sqlalchemy import func, select

from atom.opdb import Invoice, Publisher, Tenant, make_engine, session_scope
from atom.opdb.portal import Identity, add_user
from atom.opdb.registry import AuditLog, Submission
from atom.settings import Settings, subprocess_env
from governance.signatures import generate_keypair, sign
from tests.api.conftest import build_wpk, free_port, manifest
from tests.orchestration.conftest import generate_small, use_home

MIN_SECONDS = float(os.environ.get("ATOM_CONCURRENCY_SECONDS", "20"))
MAX_SECONDS = 900.0  # the load goes on while the pipeline runs (minutes on a busy 2-core machine), no longer
BATCH = 100
RISKY_STEP = (
    "import base64\nimport requests\n\n\ndef run(ctx):\n    payload = base64.b64decode(ctx['x'])\n"
    "    exec(payload)\n    requests.post('https://slack.com/api', json=ctx)\n"
)
LOCKED = "database is locked"


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)  # "<route> <status>"
    acked_ids: set[str] = field(default_factory=set)
    batches_acked: int = 0
    events_sent: int = 0
    retried_batches: int = 0
    uploads: list[str] = field(default_factory=list)
    scanned: int = 0
    decisions: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pipeline: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int) -> None:
        with self.lock:
            self.requests[f"{route} {status}"] += 1

    def fail(self, where: str, what: object) -> None:
        with self.lock:
            self.errors.append(f"{where}: {what}")


def _atom(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("atom")), *args]


def _start_api(settings: Settings, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        _atom("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"),
        env=subprocess_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115 - closed with the process
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # imports and the migration check take a while on a busy machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"atom serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("atom serve did not answer /healthz within 180 s")


def _usage(url: str, key: str, tenant: str, stop: threading.Event, tally: Tally) -> None:
    """Batches of new events; every fifth request resends the batch before it (a client's retry)."""
    now = datetime.now(UTC).replace(microsecond=0)
    previous: list[dict[str, Any]] | None = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        n = 0
        while not stop.is_set():
            n += 1
            retry = previous is not None and n % 5 == 0
            if retry:
                events = previous
            else:
                events = [
                    {
                        "id": f"cc-{tenant}-{n:05d}-{i:03d}",
                        "tenant_id": tenant,
                        "metric": "workflow_runs",
                        "quantity": "1",
                        "timestamp": (now - timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
                        "package_id": None,
                        "properties": {},
                    }
                    for i in range(BATCH)
                ]
            assert events is not None
            try:
                response = client.post("/v1/usage", json={"events": events})
            except httpx.HTTPError as exc:
                tally.fail("usage", repr(exc))
                continue
            tally.record("POST /v1/usage", response.status_code)
            if response.status_code != 202:
                tally.fail("usage", f"{response.status_code} {response.text[:300]}")
                continue
            body = response.json()
            if body["rejected"]:
                tally.fail("usage", f"rejected {body['errors'][:3]}")
            with tally.lock:
                tally.batches_acked += 1
                tally.events_sent += len(events)
                tally.retried_batches += int(retry)
                tally.acked_ids.update(e["id"] for e in events)
            previous = events
            time.sleep(0.25)  # steady pressure, not a flood that only slows the build down


def _publish(url: str, key: str, publisher: str, stop: threading.Event, tally: Tally) -> None:
    """Upload versions of one package, clean and risky in turn (the risky ones wait for a reviewer)."""
    pair = generate_keypair()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        registered = client.post(
            f"/v1/publishers/{publisher}/keys", json={"public_key": pair.public_key_pem.decode()}
        )
        tally.record("POST /v1/publishers/{id}/keys", registered.status_code)
        if registered.status_code != 201:
            tally.fail("publish", f"key {registered.status_code} {registered.text[:300]}")
            return
        n = 0
        while not stop.is_set():
            n += 1
            version = f"1.{n}.0"
            step = RISKY_STEP if n % 2 else "def run(ctx):\n    return ctx\n"
            data = build_wpk(
                {
                    "wpk.toml": manifest(name="cc-notify", version=version, publisher=publisher),
                    "workflow.yaml": "steps:\n  - run: steps/post.py\n",
                    "steps/post.py": step,
                }
            )
            try:
                response = client.post(
                    "/v1/packages",
                    files={"file": ("pkg.wpk", data, "application/zip")},
                    data={"signature": sign(data, pair.private_key_pem)},
                )
            except httpx.HTTPError as exc:
                tally.fail("publish", repr(exc))
                continue
            tally.record("POST /v1/packages", response.status_code)
            if response.status_code != 202:
                tally.fail("publish", f"{response.status_code} {response.text[:300]}")
                continue
            with tally.lock:
                tally.uploads.append(response.json()["submission_id"])
            time.sleep(0.2)


def _portal(settings: Settings, stop: threading.Event, tally: Tally) -> None:
    """The governance sensor's scan, then a reviewer taking and deciding each queued submission."""
    from app.review import decide, review_queue, take
    from ingest.review import scan_submission, submissions_to_scan

    reviewer = Identity("reviewer@atom.test", "reviewer")
    engine = make_engine(settings.database_url)
    try:
        while not stop.is_set():
            try:
                with session_scope(engine) as session:
                    due = submissions_to_scan(session)
                for submission_id in due:
                    with session_scope(engine) as session:
                        scan_submission(session, settings, submission_id)
                    with tally.lock:
                        tally.scanned += 1
                with session_scope(engine) as session:
                    queue = [entry.submission_id for entry in review_queue(session, 3)]
                for n, submission_id in enumerate(queue):
                    verdict = "approve" if n % 2 == 0 else "reject"
                    with session_scope(engine) as session:
                        take(session, submission_id, reviewer)
                    with session_scope(engine) as session:
                        decide(session, submission_id, reviewer, verdict, "concurrency test")
                    with tally.lock:
                        tally.decisions.append((submission_id, verdict))
            except Exception as exc:
                tally.fail("portal", repr(exc))
            time.sleep(0.3)
    finally:
        engine.dispose()


def _pipeline(settings: Settings, period: str, tally: Tally) -> None:
    env = subprocess_env(settings)
    for name, args in (("build", ("build",)), ("billing", ("billing", "run", "--period", period))):
        started = time.monotonic()
        done = subprocess.run(_atom(*args), env=env, capture_output=True, text=True, timeout=900, check=False)
        tally.pipeline[name] = {"exit": done.returncode, "seconds": round(time.monotonic() - started, 1)}
        if done.returncode != 0 or LOCKED in done.stderr + done.stdout:
            tally.fail(name, f"exit {done.returncode}: {(done.stderr or done.stdout)[-1500:]}")
            return


def _seed(settings: Settings) -> tuple[dict[str, str], str]:
    """Keys for two generated tenants and a generated publisher, and a reviewer account."""
    from ingest.api.keys import create_api_key

    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            tenants = session.scalars(select(Tenant.id).order_by(Tenant.id).limit(2)).all()
            publisher = session.scalars(select(Publisher.id).order_by(Publisher.id).limit(1)).one()
            keys = {t: create_api_key(session, "tenant", t)[1] for t in tenants}
            keys[publisher] = create_api_key(session, "publisher", publisher)[1]
            add_user(session, "reviewer@atom.test", "reviewer", None)
    finally:
        engine.dispose()
    return keys, publisher


@pytest.mark.slow
def test_api_workers_build_billing_and_reviews_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opdb_url: str | None, record_property: Any
) -> None:
    today = datetime.now(UTC).date()
    period = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")  # the month just ended
    settings = use_home(monkeypatch, tmp_path / "home", today=today, database_url=opdb_url)
    settings.ensure_dirs()
    generate_small(settings)
    keys, publisher = _seed(settings)
    tenants = [k for k in keys if k != publisher]

    server_log = tmp_path / "serve.log"
    server, url = _start_api(settings, server_log)
    tally = Tally()
    stop = threading.Event()
    load = [
        *(threading.Thread(target=_usage, args=(url, keys[t], t, stop, tally)) for t in tenants),
        threading.Thread(target=_publish, args=(url, keys[publisher], publisher, stop, tally)),
        threading.Thread(target=_portal, args=(settings, stop, tally)),
    ]
    pipeline = threading.Thread(target=_pipeline, args=(settings, period, tally))
    started = time.monotonic()
    try:
        for thread in (*load, pipeline):
            thread.start()
        time.sleep(MIN_SECONDS)
        pipeline.join(timeout=MAX_SECONDS - MIN_SECONDS)
        stop.set()
        for thread in load:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert not pipeline.is_alive(), f"the build and billing run did not finish in time: {tally.pipeline}"

    log = server_log.read_text()
    assert LOCKED not in log
    assert "Traceback" not in log, log[-3000:]
    assert not tally.errors, tally.errors[:10]
    assert {r.rsplit(" ", 1)[1] for r in tally.requests} <= {"201", "202"}, tally.requests

    # Load what the API landed (the build loaded some of it already), then count.
    from orchestration.run import run_build

    final = run_build(stages=("usage",))
    assert final.success, final.error
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as wh:
        ours = wh.execute(
            "select count(*), count(distinct event_id) from raw.usage_events where event_id like 'cc-%'"
        ).fetchone()
        batches = wh.execute(
            "select count(*), count(*) filter (where received <> loaded + duplicates + quarantined),"
            " sum(received), sum(loaded), sum(duplicates), sum(quarantined) from raw.ingest_batches"
        ).fetchone()
    assert ours == (len(tally.acked_ids), len(tally.acked_ids)), "an acknowledged event lost or doubled"
    assert batches is not None and batches[1] == 0, "a batch that does not reconcile"

    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            stored = session.scalars(
                select(Submission.id).where(Submission.package_name == "cc-notify")
            ).all()
            audit = Counter(
                session.scalars(
                    select(AuditLog.action).where(AuditLog.action.in_(["review.approve", "review.reject"]))
                ).all()
            )
            decided = dict(
                session.execute(
                    select(Submission.id, Submission.status).where(
                        Submission.id.in_([s for s, _ in tally.decisions])
                    )
                ).all()
            )
            numbers = session.execute(
                select(func.count(), func.count(func.distinct(Invoice.number))).where(
                    Invoice.period == period
                )
            ).one()
    finally:
        engine.dispose()
    assert sorted(stored) == sorted(tally.uploads), "an acknowledged upload lost or doubled"
    assert len(set(tally.uploads)) == len(tally.uploads)
    assert audit == Counter(f"review.{v}" for _, v in tally.decisions), "a decision lost or doubled"
    assert all(decided[s] == ("approved" if v == "approve" else "rejected") for s, v in tally.decisions)
    invoices, distinct_numbers = numbers
    assert invoices > 0 and invoices == distinct_numbers

    figures = {
        "database": "postgresql" if opdb_url else "sqlite",
        "seconds": round(elapsed, 1),
        "requests": sum(tally.requests.values()),
        "by_route": dict(tally.requests),
        "usage_batches_acked": tally.batches_acked,
        "of_which_retries": tally.retried_batches,
        "events_acked_distinct": len(tally.acked_ids),
        "events_in_warehouse": ours[0],
        "landed_batches": batches[0],
        "batches_received_loaded_dup_quar": batches[2:],
        "uploads": len(tally.uploads),
        "scanned": tally.scanned,
        "review_decisions": len(tally.decisions),
        "invoices": invoices,
        "pipeline": tally.pipeline,
    }
    record_property("concurrency", json.dumps(figures, default=str))
    print("concurrency figures:", json.dumps(figures, default=str), file=sys.stderr)
