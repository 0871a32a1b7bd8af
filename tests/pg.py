"""A real PostgreSQL 15 server for the tests, started once per test session (one per xdist worker).

The operational DB's production counterpart (DESIGN 4) is tested against the real thing, not a mock: the
Debian ``postgresql`` package's server binaries (``make test`` installs it with apt when missing), run as
the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root), in a temporary
cluster owned by that user, on a free loopback port with a socket directory of its own. Durability is off
(``fsync``, ``synchronous_commit``, ``full_page_writes``): a crash loses a throwaway cluster, never data.

Fixtures:
- ``postgres_server``: the session's server (started on first use; skipped with the reason when the
  binaries are missing).
- ``database_url``: parametrized ``sqlite`` / ``postgresql``: a URL to a fresh, empty operational DB (a
  SQLite file under ``tmp_path``, or a new PostgreSQL database ``CREATE DATABASE … TEMPLATE template0``
  dropped after the test), so tests stay independent and xdist workers never share a database.
- ``opdb_url``: the same choice for tests that build :class:`Settings` from ``ATOM_HOME``: under
  ``postgresql`` it exports ``ATOM_DATABASE_URL`` for the test (undone after it), a copy of a database
  migrated once per session (``CREATE DATABASE … TEMPLATE``: the test's own ``migrate`` finds nothing to
  do); under ``sqlite`` it leaves the home's own ``atom.db``. It returns the URL set, or None.
- ``pg_database_url``: a fresh PostgreSQL database only, for the slow end-to-end tests where SQLite adds
  nothing to what the rest of the suite proves.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("ATOM_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASES = ("sqlite", "postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway cluster: ``initdb``, ``pg_ctl start`` on 127.0.0.1, databases made and dropped on demand."""

    def __init__(self, bin_dir: Path = PG_BIN) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="atom-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.port = _free_port()
        self.user = "postgres"
        self._as_postgres = os.geteuid() == 0
        self._template: str | None = None

    # -- process ------------------------------------------------------------------------------------------

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)

    def start(self) -> None:
        self.sockets.mkdir()
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            for path in (self.root, self.sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.root.chmod(0o700)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        done = self._run(
            "initdb", "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-sync",
            "--locale=C.UTF-8",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.sockets}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=400",
                "-c shared_buffers=64MB",
                "-c log_min_messages=warning",
            ]
        )
        log = self.root / "server.log"
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"
        )
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-2000:]} {tail}")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- databases ----------------------------------------------------------------------------------------

    def url(self, database: str = "postgres", driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string (psycopg's own, and dagster-postgres' ``postgres_url``)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "t", template: str = "template0") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        # FORCE ends the sessions a test left open (pooled engines the app cached), so they pile up nowhere.
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def migrated_template(self) -> str:
        """A database at every Alembic head, made once per server, to copy for tests that would migrate
        a fresh database first anyway (``migrate`` on a copy is then a no-op check)."""
        if self._template is None:
            from atom.opdb import migrate

            name = self.create_database("atom_migrated")
            migrate(self.url(name))
            self.close_sessions(name)
            self._template = name
        return self._template

    def close_sessions(self, name: str) -> None:
        """End every session on ``name`` (a database can serve as a template only when nobody is on it)."""
        self.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        deadline = time.monotonic() + 10
        import psycopg

        while time.monotonic() < deadline:
            with psycopg.connect(self.dsn(), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchone()
            if not row or row[0] == 0:
                return
            time.sleep(0.05)


def postgres_available() -> str | None:
    """None when a server can be started here, else why not."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (`make test` installs Debian's postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    reason = postgres_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs the package: a missing server there is a failure, not a skip
        pytest.skip(reason)
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def pg_migrated_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database(template=postgres_server.migrated_template())
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'opdb' / 'atom.db'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


@pytest.fixture(params=DATABASES)
def opdb_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    monkeypatch.delenv("ATOM_DATABASE_URL", raising=False)
    url: str | None = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_migrated_url")
        monkeypatch.setenv("ATOM_DATABASE_URL", url)
    from atom.settings import reset_settings_cache

    reset_settings_cache()
    return url
