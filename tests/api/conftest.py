"""An API on a fresh ATOM_HOME per test: real operational DB (SQLite and PostgreSQL), real landing zone, real keys."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from atom.opdb import Publisher, Tenant, make_engine, migrate, session_scope
from atom.opdb.registry import utcnow
from atom.settings import Settings, subprocess_env
from governance.signatures import KeyPair, generate_keypair, sign
from ingest.api.app import create_app
from ingest.api.context import ApiConfig
from ingest.api.keys import create_api_key

PRICE_BOOK = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.002"}
  - {id: price_compute, metric: compute_seconds, billing_scheme: per_unit, unit_amount: "0.00001"}
"""
TENANTS = ("ten_acme", "ten_beta")
PUBLISHERS = ("acme", "beta")


def make_settings(home: Path) -> Settings:
    settings = Settings(ATOM_HOME=str(home))  # type: ignore[call-arg]
    settings.ensure_dirs()
    settings.price_book_path.write_text(PRICE_BOOK)
    return settings


@dataclass
class World:
    """Keys (secrets) by name: admin, ten_acme, ten_beta, acme, beta; signing key pairs by publisher."""

    settings: Settings
    keys: dict[str, str]
    key_ids: dict[str, str]
    signing: dict[str, KeyPair]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}


def seed_world(settings: Settings) -> World:
    """Two tenants, two publishers, a key for each and an admin key, straight into the operational DB."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    keys: dict[str, str] = {}
    key_ids: dict[str, str] = {}
    try:
        with session_scope(engine) as session:
            for tenant in TENANTS:
                session.add(
                    Tenant(id=tenant, name=tenant.title(), segment=None, country=None, created_at=utcnow())
                )
            for publisher in PUBLISHERS:
                session.add(Publisher(id=publisher, name=publisher.title(), created_at=utcnow()))
            session.flush()
            for name, role in [
                ("admin", "admin"),
                *((t, "tenant") for t in TENANTS),
                *((p, "publisher") for p in PUBLISHERS),
            ]:
                row, secret = create_api_key(session, role, "ops" if role == "admin" else name)
                keys[name] = secret
                key_ids[name] = row.id
    finally:
        engine.dispose()
    return World(settings, keys, key_ids, {p: generate_keypair() for p in PUBLISHERS})


@pytest.fixture
def settings(tmp_path: Path, opdb_url: str | None) -> Settings:
    """A fresh home whose operational DB is its SQLite file or a fresh PostgreSQL database (tests/pg.py):
    every API test runs on both."""
    return make_settings(tmp_path / "home")


@pytest.fixture
def world(settings: Settings) -> World:
    return seed_world(settings)


def make_client(settings: Settings, **config: Any) -> TestClient:
    config.setdefault("access_log", False)
    config.setdefault("rate_limit", "10000/second")
    return TestClient(create_app(settings, ApiConfig(**config)))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with make_client(world.settings) as c:
        yield c


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "evt_1",
        "tenant_id": "ten_acme",
        "metric": "workflow_runs",
        "quantity": "1",
        "timestamp": "2026-10-03T12:00:00Z",
        "package_id": "pkg_slack_notify",
        "properties": {},
    }
    base.update(overrides)
    return base


def landed_files(settings: Settings) -> list[Path]:
    """Landed batches in landing order (names share a one-second stamp, so order by write time)."""
    return sorted(
        (p for p in settings.landing_dir.rglob("*") if p.is_file() and p.suffix != ".manifest"),
        key=lambda p: p.stat().st_mtime_ns,
    )


def write_snapshot(settings: Settings, usage_rows: list[tuple[object, ...]]) -> None:
    """A serving snapshot holding the marts the API reads, as the serving asset would publish it."""
    conn = duckdb.connect(str(settings.serving_path))
    conn.execute("CREATE SCHEMA marts")
    conn.execute(
        "CREATE TABLE marts.fct_usage_daily (usage_date DATE, tenant_id VARCHAR, package_id VARCHAR,"
        " metric_id VARCHAR, event_count BIGINT, quantity DECIMAL(38, 9))"
    )
    conn.executemany("INSERT INTO marts.fct_usage_daily VALUES (?, ?, ?, ?, ?, ?)", usage_rows)
    # The month of each (metric, package) as if every metric were a sum; a test that needs another
    # aggregation changes its rows.
    conn.execute(
        "CREATE TABLE marts.fct_usage_monthly AS SELECT strftime(usage_date, '%Y-%m') AS period,"
        " CAST(date_trunc('month', usage_date) AS DATE) AS period_start_date, tenant_id, package_id, metric_id,"
        " CAST(sum(event_count) AS BIGINT) AS event_count, CAST(sum(quantity) AS DECIMAL(38, 9)) AS quantity,"
        " 'sum' AS aggregation, CAST(sum(quantity) AS DECIMAL(38, 9)) AS metric_quantity"
        " FROM marts.fct_usage_daily GROUP BY ALL"
    )
    conn.execute(
        "CREATE TABLE marts.fct_invoices (tenant_id VARCHAR, period VARCHAR, period_start_date DATE, currency VARCHAR,"
        " minor_units INTEGER, line_count BIGINT, total_amount DECIMAL(38, 6), usage_amount DECIMAL(38, 6),"
        " recurring_amount DECIMAL(38, 6), partner_payout_amount DECIMAL(38, 6))"
    )
    conn.execute(
        "INSERT INTO marts.fct_invoices VALUES"
        " ('ten_acme', '2026-10', '2026-10-01', 'usd', 2, 2, 54.10, 5.10, 49, 3.57),"
        " ('ten_acme', '2026-09', '2026-09-01', 'usd', 2, 1, 49, 0, 49, 0),"
        " ('ten_beta', '2026-10', '2026-10-01', 'usd', 2, 1, 1, 1, 0, 0)"
    )
    conn.close()


# -- packages -----------------------------------------------------------------------------------------------


def manifest(name: str = "slack-notify", version: str = "1.2.0", publisher: str = "acme") -> str:
    return f"""\
[package]
name = "{name}"
version = "{version}"
publisher = "{publisher}"
description = "Post workflow results to Slack"
license = "Apache-2.0"
[workflow]
entrypoint = "workflow.yaml"
[permissions]
network = ["slack.com"]
secrets = ["SLACK_TOKEN"]
filesystem = "scratch"
subprocess = false
[observability]
health_check = true
"""


def build_wpk(
    members: dict[str, bytes | str] | None = None,
    *,
    symlinks: tuple[str, ...] = (),
    **manifest_fields: str,
) -> bytes:
    if members is None:
        members = {
            "wpk.toml": manifest(**manifest_fields),
            "workflow.yaml": "steps:\n  - run: steps/post.py\n",
            "steps/post.py": "def run(ctx):\n    return ctx\n",
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def upload(
    client: TestClient | httpx.Client,
    world: World,
    data: bytes,
    *,
    as_key: str = "acme",
    signer: str | None = None,
    signature: str | None = None,
) -> httpx.Response:
    if signature is None:
        signature = sign(data, world.signing[signer or as_key].private_key_pem)
    return client.post(
        "/v1/packages",
        headers=world.auth(as_key),
        files={"file": ("pkg.wpk", data, "application/zip")},
        data={"signature": signature},
    )


def register_key(
    client: TestClient | httpx.Client, world: World, publisher: str, as_key: str | None = None
) -> httpx.Response:
    return client.post(
        f"/v1/publishers/{publisher}/keys",
        headers=world.auth(as_key or publisher),
        json={"public_key": world.signing[publisher].public_key_pem.decode()},
    )


# -- a real server ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


def start_server(
    settings: Settings, workers: int = 1, *, through_cli: bool = False, timeout: float = 60, **extra_env: str
) -> LiveServer:
    """The API in a child process on a free loopback port: uvicorn's factory, or with ``through_cli`` the
    command an operator runs (``atom serve --workers N``). Returns once ``/healthz`` answers."""
    migrate(settings.database_url)
    port = free_port()
    env = subprocess_env(settings, **extra_env)
    if through_cli:
        command = ["-m", "cli.main", "serve", "--port", str(port), "--workers", str(workers)]
    else:
        command = [
            "-m",
            "uvicorn",
            "ingest.api.app:create_served_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    log = settings.home / "server.log"
    process = subprocess.Popen(
        [sys.executable, *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115 - closed with the process
        cwd=os.getcwd(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def live(world: World) -> Iterator[LiveServer]:
    server = start_server(world.settings)
    try:
        yield server
    finally:
        stop_server(server)
