"""Start a real intake API for the SDK tests and the SDK benchmark: ``python tests/sdk/live_server.py --home DIR``.

It prepares ``DIR`` as ATOM_HOME (a small generated marketplace with ``--generate``, so the price book knows
the metrics and tenants exist), creates an admin API key, binds 127.0.0.1 on a free port, prints one JSON
line ``{"url", "admin_key", "keys", "home", "pid"}`` (``keys`` by ``"tenant:<id>"``/``"publisher:<id>"``) on stdout, then serves until terminated. Logs go to
``DIR/logs/api.log`` so that nothing blocks on a pipe nobody reads. Both SDKs' live tests use it:
pytest through :func:`start`, node's test runner through a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# A fixed "today" keeps the generated marketplace identical from run to run.
GENERATED_TODAY = date(2026, 11, 20)


@dataclass(frozen=True)
class LiveServer:
    url: str
    admin_key: str
    home: Path
    process: subprocess.Popen[bytes]
    keys: dict[str, str]

    def key(self, role: str, subject: str) -> str:
        """The API key made at start for ``role`` (tenant or publisher) and ``subject``."""
        return self.keys[f"{role}:{subject}"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    home: Path,
    *,
    generate: bool = True,
    tenants: tuple[str, ...] = (),
    publishers: tuple[str, ...] = (),
    timeout_s: float = 120.0,
) -> LiveServer:
    """Run this script as a child process and wait until the API answers ``/healthz``."""
    import httpx

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_HOME", "DBT_PROFILES_DIR"))
    }
    args = [sys.executable, str(Path(__file__)), "--home", str(home)]
    if generate:
        args.append("--generate")
    for tenant in tenants:
        args += ["--tenant", tenant]
    for publisher in publishers:
        args += ["--publisher", publisher]
    process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        log = home / "logs" / "api.log"
        raise RuntimeError(
            f"the test API did not start (exit {process.returncode}); see {log}:\n"
            + (log.read_text()[-3000:] if log.exists() else "")
        )
    info = json.loads(line)
    server = LiveServer(info["url"], info["admin_key"], home, process, info["keys"])
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise RuntimeError(
                f"the test API at {server.url} did not become healthy; see {home}/logs/api.log"
            )
        time.sleep(0.1)


def _serve(home: Path, generate: bool, tenants: list[str], publishers: list[str]) -> None:
    os.environ["ATOM_HOME"] = str(home)
    from atom.opdb import make_engine, migrate, session_scope
    from atom.settings import get_settings, reset_settings_cache

    reset_settings_cache()
    settings = get_settings()
    settings.ensure_dirs()
    log = open(settings.log_dir / "api.log", "ab", buffering=0)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 2)
    migrate(settings.database_url)
    if generate and not settings.price_book_path.exists():
        from ingest.synthetic import generate as generate_marketplace

        generate_marketplace(settings, scale="small", seed=11, today=GENERATED_TODAY)

    from atom.opdb import Publisher, Tenant
    from atom.opdb.registry import utcnow
    from ingest.api.keys import create_api_key

    actor = "tests/sdk/live_server.py"
    keys: dict[str, str] = {}
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        _row, admin_key = create_api_key(session, "admin", "sdk-tests", actor=actor)
        for tenant_id in tenants:
            if session.get(Tenant, tenant_id) is None:
                session.add(Tenant(id=tenant_id, name=f"SDK test tenant {tenant_id}", created_at=utcnow()))
                session.flush()
            keys[f"tenant:{tenant_id}"] = create_api_key(session, "tenant", tenant_id, actor=actor)[1]
        for publisher_id in publishers:
            if session.get(Publisher, publisher_id) is None:
                session.add(
                    Publisher(id=publisher_id, name=f"SDK test publisher {publisher_id}", created_at=utcnow())
                )
                session.flush()
            keys[f"publisher:{publisher_id}"] = create_api_key(
                session, "publisher", publisher_id, actor=actor
            )[1]
    engine.dispose()

    import uvicorn

    from ingest.api.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings)
    info = {
        "url": f"http://127.0.0.1:{port}",
        "admin_key": admin_key,
        "keys": keys,
        "home": str(home),
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    os.dup2(log.fileno(), 1)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--home", type=Path, required=True, help="ATOM_HOME of the server (created if missing)"
    )
    parser.add_argument("--generate", action="store_true", help="generate a small marketplace first")
    parser.add_argument("--tenant", action="append", default=[], help="create this tenant and a key for it")
    parser.add_argument(
        "--publisher", action="append", default=[], help="create this publisher and a key for it"
    )
    args = parser.parse_args()
    _serve(args.home.resolve(), args.generate, args.tenant, args.publisher)


if __name__ == "__main__":
    main()
