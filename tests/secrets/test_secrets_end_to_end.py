"""Secrets that live only in the vault reach the processes that use them, and nowhere else.

``atom`` commands run as subprocesses, as an operator runs them, with VAULT_ADDR and credentials in their
environment and the secrets in OpenBao (``conftest.py``): the API verifies a Stripe webhook with a secret
it read from the vault, and a whole flow (generate, build, billing in dry run and against a Stripe
stand-in, the API under requests) leaves no secret in any file of the home (logs, the operational DB,
Dagster's run and event-log storage, the warehouse), nor in anything the commands printed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atom.opdb import Invoice, Tenant, make_engine, migrate
from atom.settings import Settings
from tests.billing.stripe_server import StripeStandIn, serve
from tests.secrets.conftest import ISOLATED, Bao, free_port

ATOM = str(Path(sys.executable).parent / "atom")
TODAY = "2026-11-20"


def child_env(home: Path, **extra: str) -> dict[str, str]:
    drop = {*ISOLATED, *(f"{n}_FILE" for n in ISOLATED)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_")) and k not in drop}
    return {**env, "ATOM_HOME": str(home), "ATOM_TODAY": TODAY, **extra}


def sign(payload: bytes, secret: str) -> str:
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def paid_event(stripe_invoice_id: str) -> bytes:
    return orjson.dumps(
        {
            "id": "evt_" + uuid.uuid4().hex,
            "type": "invoice.paid",
            "data": {"object": {"id": stripe_invoice_id, "object": "invoice"}},
        }
    )


@contextmanager
def atom_serve(env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """A real ``atom serve`` on a free port; its stdout and stderr go to files in ``log_dir``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "serve.out").open("wb") as out, (log_dir / "serve.err").open("wb") as err:
        process = subprocess.Popen(
            [ATOM, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"atom serve did not start: {(log_dir / 'serve.err').read_text()[-3000:]}"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def seed_invoice(home: Path, number: str, stripe_invoice_id: str) -> None:
    settings = Settings(ATOM_HOME=str(home))  # type: ignore[call-arg]
    settings.ensure_dirs()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session, session.begin():
        session.add(Tenant(id="ten_acme", name="Acme", created_at=datetime(2026, 1, 1)))
        session.flush()
        session.add(
            Invoice(
                number=number,
                document_type="invoice",
                tenant_id="ten_acme",
                period="2026-10",
                status="finalized",
                currency="usd",
                minor_units=2,
                total_minor=7403,
                issued_on=date(2026, 11, 1),
                due_on=date(2026, 12, 1),
                content_hash="0" * 64,
                finalized_at=datetime(2026, 11, 2),
                stripe_invoice_id=stripe_invoice_id,
            )
        )
    engine.dispose()


def invoice_status(home: Path, number: str) -> str:
    engine = make_engine(Settings(ATOM_HOME=str(home)).database_url)  # type: ignore[call-arg]
    try:
        with Session(engine) as session:
            return session.execute(select(Invoice.status).where(Invoice.number == number)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_atom_serve_verifies_a_webhook_with_the_secret_it_read_from_the_vault(
    bao: Bao, tmp_path: Path
) -> None:
    webhook = "whsec_vault_only_" + uuid.uuid4().hex
    path = "atom-serve-" + uuid.uuid4().hex[:8]
    bao.write(path, {"STRIPE_WEBHOOK_SECRET": webhook})
    token = bao.token([f"secret/data/{path}"])
    home = tmp_path / "home"
    seed_invoice(home, "ATOM-202610-00001", "in_vault_1")
    env = child_env(home, VAULT_ADDR=bao.addr, VAULT_TOKEN=token, ATOM_VAULT_PATH=f"secret/{path}")
    assert "STRIPE_WEBHOOK_SECRET" not in env

    with atom_serve(env, tmp_path / "logs") as url:
        forged = paid_event("in_vault_1")
        answer = httpx.post(
            url + "/v1/webhooks/stripe",
            content=forged,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(forged, "whsec_wrong")},
        )
        assert answer.status_code == 400, answer.text
        assert invoice_status(home, "ATOM-202610-00001") == "finalized"

        payload = paid_event("in_vault_1")
        answer = httpx.post(
            url + "/v1/webhooks/stripe",
            content=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, webhook)},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "paid"
    assert invoice_status(home, "ATOM-202610-00001") == "paid"
    logs = b"".join(p.read_bytes() for p in (tmp_path / "logs").iterdir())
    assert webhook.encode() not in logs and token.encode() not in logs


def run(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run([ATOM, *args], env=env, capture_output=True, timeout=timeout, check=False)
    assert result.returncode == 0, (args, result.stderr.decode(errors="replace")[-4000:])
    return result


def files_holding(root: Path, secrets: dict[str, bytes]) -> list[str]:
    """Every (file, secret name) under ``root`` whose bytes contain the secret."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {name}" for name, value in secrets.items() if value in data]
    return found


@pytest.mark.slow
def test_no_secret_appears_in_any_log_file_output_or_storage_after_a_full_flow(
    bao: Bao, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex
    secrets = {
        "STRIPE_API_KEY": f"sk_test_canary_{tag}",
        "STRIPE_WEBHOOK_SECRET": f"whsec_canary_{tag}",
        "ATOM_DATABASE_PASSWORD": f"dbpw_canary_{tag}",
    }
    dry_path, live_path = f"atom-dry-{tag[:8]}", f"atom-live-{tag[:8]}"
    bao.write(dry_path, {k: v for k, v in secrets.items() if k != "STRIPE_API_KEY"})  # no key: dry run
    bao.write(live_path, secrets)
    role_id, secret_id = bao.approle(
        f"atom-flow-{tag[:8]}", [f"secret/data/{dry_path}", f"secret/data/{live_path}"]
    )
    watched = {**secrets, "VAULT_SECRET_ID": secret_id}
    home = tmp_path / "home"
    vault = {"VAULT_ADDR": bao.addr, "VAULT_ROLE_ID": role_id, "VAULT_SECRET_ID": secret_id}
    dry_env = child_env(home, **vault, ATOM_VAULT_PATH=f"secret/{dry_path}")
    stand_in = StripeStandIn(secrets["STRIPE_API_KEY"])
    stripe_server, stripe_base = serve(stand_in)
    live_env = child_env(home, **vault, ATOM_VAULT_PATH=f"secret/{live_path}", STRIPE_API_BASE=stripe_base)
    printed: list[bytes] = []
    try:
        for args in (("generate", "--scale", "small", "--today", TODAY), ("build",)):
            result = run(dry_env, *args)
            printed += [result.stdout, result.stderr]
        result = run(dry_env, "billing", "run", "--period", "2026-09")
        printed += [result.stdout, result.stderr]
        assert b"dry" in result.stdout + result.stderr
        result = run(live_env, "billing", "run", "--period", "2026-10")
        printed += [result.stdout, result.stderr]
        assert stand_in.created["invoice"] > 0, "the Stripe key from the vault never reached Stripe"
        assert not stand_in.problems, stand_in.problems
        result = run(live_env, "keys", "create", "--role", "admin", "--subject", "secrets-test")
        printed += [result.stderr]  # stdout is the API key itself, printed once by design
        admin_key = result.stdout.decode().strip().splitlines()[-1]

        engine = make_engine(Settings(ATOM_HOME=str(home)).database_url)  # type: ignore[call-arg]
        with Session(engine) as session:
            invoice = (
                session.execute(
                    select(Invoice).where(Invoice.period == "2026-10", Invoice.stripe_invoice_id.is_not(None))
                )
                .scalars()
                .first()
            )
            assert invoice is not None
            number, stripe_id = invoice.number, str(invoice.stripe_invoice_id)
        engine.dispose()

        with atom_serve(live_env, tmp_path / "serve-logs") as url:
            auth = {"Authorization": f"Bearer {admin_key}"}
            assert httpx.get(url + "/v1/tenants", headers=auth).status_code == 200
            assert httpx.get(url + "/v1/tenants", headers={"Authorization": "Bearer nope"}).status_code == 401
            assert httpx.get(url + "/metrics").status_code == 200
            bad = paid_event(stripe_id)
            assert (
                httpx.post(
                    url + "/v1/webhooks/stripe",
                    content=bad,
                    headers={"Stripe-Signature": sign(bad, "whsec_wrong")},
                ).status_code
                == 400
            )
            good = paid_event(stripe_id)
            answer = httpx.post(
                url + "/v1/webhooks/stripe",
                content=good,
                headers={"Stripe-Signature": sign(good, secrets["STRIPE_WEBHOOK_SECRET"])},
            )
            assert answer.status_code == 200 and answer.json()["status"] == "paid", answer.text
    finally:
        stripe_server.shutdown()
        stripe_server.server_close()
    assert invoice_status(home, number) == "paid"

    as_bytes = {name: value.encode() for name, value in watched.items()}
    leaks = files_holding(home, as_bytes) + files_holding(tmp_path / "serve-logs", as_bytes)
    leaks += [
        f"output of a command: {name}" for out in printed for name, value in as_bytes.items() if value in out
    ]
    assert (home / "dagster").is_dir() and any((home / "dagster").rglob("*.db"))  # the event log was searched
    assert any((home / "logs").iterdir())  # and the platform's logs
    assert leaks == []
