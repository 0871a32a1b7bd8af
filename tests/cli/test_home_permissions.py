"""ATOM_HOME is private to the account that runs the platform: no folder or file under it grants anything to
group or other (issue 11: the operational DB, landing zone, artifacts, warehouse and snapshot were
world-readable)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from atom.settings import Settings

ATOM = str(Path(sys.executable).parent / "atom")
OPEN_BITS = stat.S_IRWXG | stat.S_IRWXO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_"))}
    return {**env, "ATOM_HOME": str(home)}


def _as_a_usual_shell() -> None:
    os.umask(0o022)  # what a login shell has: the command itself must make its files private


def atom(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATOM, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(home),
        check=False,
        preexec_fn=_as_a_usual_shell,
    )


def open_paths(root: Path) -> list[str]:
    """Everything under ``root`` (itself included) with a group or other permission bit."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & OPEN_BITS:
            found.append(f"{stat.filemode(mode)} {path.relative_to(root.parent)}")
    return found


@pytest.mark.slow
def test_nothing_under_the_home_is_readable_by_other_accounts_after_a_demo_and_api_traffic(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    demo = atom(home, "demo", "--scale", "small", "--no-portal")  # generate, publish, scan, build, snapshot
    assert demo.returncode == 0, demo.stderr[-3000:]
    keys = atom(home, "keys", "create", "--role", "admin", "--subject", "ops")
    assert keys.returncode == 0, keys.stderr
    key = keys.stdout.strip().splitlines()[-1]

    port = free_port()
    server = subprocess.Popen(
        [ATOM, "serve", "--port", str(port)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_as_a_usual_shell,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "atom serve did not start"
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {key}"}
        tenant_id = httpx.get(f"{url}/v1/tenants", headers=auth).json()[0]["id"]
        answer = httpx.post(
            f"{url}/v1/usage",
            headers=auth,
            json=[
                {
                    "id": f"perm_{i}",
                    "tenant_id": tenant_id,
                    "metric": "workflow_runs",
                    "quantity": "1",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
                for i in range(10)
            ],
        )
        assert answer.status_code == 202, answer.text
    finally:
        server.terminate()
        server.wait(timeout=30)
    ingest = atom(home, "ingest")
    assert ingest.returncode == 0, ingest.stderr[-3000:]

    for expected in ("atom.db", "warehouse.duckdb", "serving.duckdb", "landing", "artifacts", "dagster"):
        assert (home / expected).exists(), expected
    assert open_paths(home) == []


def test_an_existing_open_home_is_tightened_without_touching_what_is_not_the_platforms(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    old = os.umask(0o022)
    try:
        for folder in ("landing/usage/2026-10-01", "artifacts/sha256/ab", "dagster", "logs"):
            (home / folder).mkdir(parents=True)
        for name in ("atom.db", "atom.db-wal", "warehouse.duckdb", "serving.duckdb", "price_book.yaml"):
            (home / name).write_text("x")
        (home / "landing/usage/2026-10-01/batch.ndjson").write_text("{}\n")
        (home / "artifacts/sha256/ab/ab12.wpk").write_bytes(b"PK")
        (home / "notes.txt").write_text("someone else's file")
        assert open_paths(home)

        Settings(ATOM_HOME=str(home)).ensure_dirs()  # type: ignore[call-arg]
    finally:
        os.umask(old)
    assert open_paths(home) == ["-rw-r--r-- home/notes.txt"]  # unreachable all the same: home is 0700
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "landing/usage/2026-10-01/batch.ndjson").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "artifacts/sha256/ab").stat().st_mode) == 0o700


def test_a_new_home_is_private_even_under_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        settings = Settings(ATOM_HOME=str(tmp_path / "a" / "home"))  # type: ignore[call-arg]
        settings.ensure_dirs()
    finally:
        os.umask(old)
    for folder in (settings.home, settings.landing_dir, settings.landing_dir.parent, settings.dagster_home):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
