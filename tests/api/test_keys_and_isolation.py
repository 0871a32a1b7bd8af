"""API keys, isolation by subject, rate limits and the audit log (DESIGN 3.8): one test per rule."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer import Typer
from typer.testing import CliRunner

from atom.opdb import ApiKey, AuditLog, make_engine, session_scope
from atom.settings import reset_settings_cache
from cli.api import keys_app
from ingest.api.app import create_app
from ingest.api.context import ApiConfig
from ingest.api.key_throttle import KeyThrottle, client_address
from tests.api.conftest import World, build_wpk, event, landed_files, make_client, register_key, upload


def audit_rows(world: World) -> list[AuditLog]:
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))
    finally:
        engine.dispose()


# -- 401 ----------------------------------------------------------------------------------------------------


def test_a_call_without_a_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/packages")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_call_with_an_unknown_key_is_401(client: TestClient) -> None:
    assert client.get("/v1/packages", headers={"Authorization": "Bearer atom_not-a-key"}).status_code == 401


def test_a_revoked_key_is_401(world: World) -> None:
    with make_client(world.settings, key_cache_ttl_s=0) as client:
        assert client.get("/v1/packages", headers=world.auth("ten_acme")).status_code == 200
        engine = make_engine(world.settings.database_url)
        with session_scope(engine) as session:
            from ingest.api.keys import revoke_api_key

            revoke_api_key(session, world.key_ids["ten_acme"])
        engine.dispose()
        assert client.get("/v1/packages", headers=world.auth("ten_acme")).status_code == 401


def test_health_and_metrics_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200


# -- 403: tenants -------------------------------------------------------------------------------------------


def test_a_tenant_key_cannot_report_usage_for_another_tenant(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/usage", headers=world.auth("ten_acme"), json=[event(id="a"), event(id="b", tenant_id="ten_beta")]
    )
    assert response.status_code == 403
    assert "index 1" in response.json()["detail"]
    assert landed_files(world.settings) == []


def test_an_admin_key_reports_usage_for_any_tenant(client: TestClient, world: World) -> None:
    response = client.post("/v1/usage", headers=world.auth("admin"), json=[event(tenant_id="ten_beta")])
    assert response.json()["accepted"] == 1


def test_a_publisher_key_cannot_report_usage(client: TestClient, world: World) -> None:
    assert client.post("/v1/usage", headers=world.auth("acme"), json=[event()]).status_code == 403


def test_a_tenant_key_cannot_read_another_tenants_usage(client: TestClient, world: World) -> None:
    response = client.get("/v1/tenants/ten_beta/usage?period=2026-10", headers=world.auth("ten_acme"))
    assert response.status_code == 403


def test_a_tenant_key_cannot_read_another_tenants_invoices(client: TestClient, world: World) -> None:
    assert client.get("/v1/tenants/ten_beta/invoices", headers=world.auth("ten_acme")).status_code == 403


def test_a_publisher_key_cannot_read_a_tenants_usage(client: TestClient, world: World) -> None:
    assert client.get("/v1/tenants/ten_acme/invoices", headers=world.auth("acme")).status_code == 403


@pytest.mark.parametrize("key", ["ten_acme", "acme"])
def test_only_admin_creates_and_lists_tenants_and_publishers(
    client: TestClient, world: World, key: str
) -> None:
    assert (
        client.post("/v1/tenants", headers=world.auth(key), json={"id": "ten_new", "name": "N"}).status_code
        == 403
    )
    assert client.get("/v1/tenants", headers=world.auth(key)).status_code == 403
    assert (
        client.post("/v1/publishers", headers=world.auth(key), json={"id": "newpub", "name": "N"}).status_code
        == 403
    )


def test_admin_creates_a_tenant_that_can_then_report_usage(client: TestClient, world: World) -> None:
    created = client.post("/v1/tenants", headers=world.auth("admin"), json={"id": "ten_new", "name": "New"})
    assert created.status_code == 201
    assert (
        client.post(
            "/v1/tenants", headers=world.auth("admin"), json={"id": "ten_new", "name": "New"}
        ).status_code
        == 409
    )
    assert [t["id"] for t in client.get("/v1/tenants", headers=world.auth("admin")).json()] == [
        "ten_acme",
        "ten_beta",
        "ten_new",
    ]
    body = client.post("/v1/usage", headers=world.auth("admin"), json=[event(tenant_id="ten_new")]).json()
    assert body["accepted"] == 1


# -- 403: publishers ----------------------------------------------------------------------------------------


def test_a_publisher_cannot_register_a_key_for_another_publisher(client: TestClient, world: World) -> None:
    assert register_key(client, world, "beta", as_key="acme").status_code == 403


def test_a_tenant_cannot_register_a_publisher_key(client: TestClient, world: World) -> None:
    assert register_key(client, world, "acme", as_key="ten_acme").status_code == 403


def test_an_admin_registers_a_key_for_any_publisher(client: TestClient, world: World) -> None:
    assert register_key(client, world, "beta", as_key="admin").status_code == 201


def test_only_publisher_keys_publish_packages(client: TestClient, world: World) -> None:
    register_key(client, world, "acme")
    assert upload(client, world, build_wpk(), as_key="ten_acme", signer="acme").status_code == 403
    assert upload(client, world, build_wpk(), as_key="admin", signer="acme").status_code == 403


def test_a_publisher_cannot_read_another_publishers_submission(client: TestClient, world: World) -> None:
    register_key(client, world, "acme")
    submission_id = upload(client, world, build_wpk()).json()["submission_id"]
    assert client.get(f"/v1/submissions/{submission_id}", headers=world.auth("beta")).status_code == 403
    assert client.get(f"/v1/submissions/{submission_id}", headers=world.auth("ten_acme")).status_code == 403
    assert client.get(f"/v1/submissions/{submission_id}", headers=world.auth("acme")).status_code == 200
    assert client.get(f"/v1/submissions/{submission_id}", headers=world.auth("admin")).status_code == 200


def test_a_publisher_cannot_yank_another_publishers_version(client: TestClient, world: World) -> None:
    register_key(client, world, "acme")
    upload(client, world, build_wpk())
    path = "/v1/packages/slack-notify/versions/1.2.0/yank"
    assert client.post(path, headers=world.auth("beta"), json={"reason": "x"}).status_code == 403
    assert client.post(path, headers=world.auth("ten_acme"), json={"reason": "x"}).status_code == 403
    assert client.post(path, headers=world.auth("admin"), json={"reason": "leaks tokens"}).status_code == 200


def test_a_publisher_cannot_publish_a_version_of_another_publishers_package(
    client: TestClient, world: World
) -> None:
    register_key(client, world, "acme")
    register_key(client, world, "beta")
    assert upload(client, world, build_wpk()).status_code == 202
    taken = upload(client, world, build_wpk(publisher="beta", version="9.0.0"), as_key="beta")
    assert (taken.status_code, taken.json()["reason"]) == (403, "package_owned_by_other")


# -- rate limits --------------------------------------------------------------------------------------------


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(world: World) -> None:
    with make_client(world.settings, rate_limit="3/minute") as client:
        statuses = [client.get("/v1/packages", headers=world.auth("ten_acme")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/v1/packages", headers=world.auth("ten_acme"))
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # Limits are per key: another key is unaffected.
        assert client.get("/v1/packages", headers=world.auth("ten_beta")).status_code == 200


def test_invalid_keys_from_one_address_get_429_before_any_more_keys_are_looked_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(world.settings, ApiConfig(access_log=False), key_throttle=KeyThrottle("5/minute"))
    attacker = TestClient(app, client=("203.0.113.9", 40000))
    bystander = TestClient(app, client=("198.51.100.7", 40000))
    guesses = [f"atom_guess{i:039d}" for i in range(7)]
    with attacker, bystander:
        statuses = [
            attacker.get("/v1/packages", headers={"Authorization": f"Bearer {g}"}).status_code
            for g in guesses
        ]
        assert statuses == [401] * 5 + [429] * 2
        looked_up: list[str] = []
        resolve = app.state.ctx.keys.resolve
        monkeypatch.setattr(app.state.ctx.keys, "resolve", lambda key: looked_up.append(key) or resolve(key))
        blocked = attacker.get("/v1/packages", headers=world.auth("ten_acme"))
        assert blocked.status_code == 429 and blocked.json()["reason"] == "too_many_invalid_keys"
        assert 1 <= int(blocked.headers["Retry-After"]) <= 60
        assert looked_up == []  # refused before its key was hashed or read
        # Another address with a valid key is served as usual.
        assert bystander.get("/v1/packages", headers=world.auth("ten_acme")).status_code == 200
        assert looked_up == [world.keys["ten_acme"]]


def test_valid_keys_and_calls_without_a_key_do_not_count_as_invalid_keys(world: World) -> None:
    app = create_app(world.settings, ApiConfig(access_log=False), key_throttle=KeyThrottle("2/minute"))
    with TestClient(app) as client:
        for _ in range(5):
            assert client.get("/v1/packages", headers=world.auth("ten_acme")).status_code == 200
            assert client.get("/v1/packages").status_code == 401


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
    ],
)
def test_invalid_keys_are_counted_per_ipv4_address_and_per_ipv6_64(host: str, counted_as: str) -> None:
    from starlette.requests import Request

    assert client_address(Request({"type": "http", "client": (host, 1), "headers": []})) == counted_as


# -- audit ----------------------------------------------------------------------------------------------------


def test_every_write_is_audited_with_the_acting_key(client: TestClient, world: World) -> None:
    client.post("/v1/tenants", headers=world.auth("admin"), json={"id": "ten_new", "name": "New"})
    client.post("/v1/publishers", headers=world.auth("admin"), json={"id": "gamma", "name": "Gamma"})
    register_key(client, world, "acme")
    upload(client, world, build_wpk())
    client.post(
        "/v1/packages/slack-notify/versions/1.2.0/yank", headers=world.auth("acme"), json={"reason": "bug"}
    )
    client.post("/v1/usage", headers=world.auth("ten_acme"), json=[event()])
    api_rows = [(r.action, r.api_key_id) for r in audit_rows(world) if r.api_key_id is not None]
    assert api_rows == [
        ("tenant.create", world.key_ids["admin"]),
        ("publisher.create", world.key_ids["admin"]),
        ("publisher_key.register", world.key_ids["acme"]),
        ("package.publish", world.key_ids["acme"]),
        ("package.yank", world.key_ids["acme"]),
        ("usage.land", world.key_ids["ten_acme"]),
    ]


def test_a_refused_write_leaves_no_audit_row(client: TestClient, world: World) -> None:
    before = len(audit_rows(world))
    client.post("/v1/tenants", headers=world.auth("ten_acme"), json={"id": "ten_x", "name": "X"})
    assert len(audit_rows(world)) == before


# -- the CLI ----------------------------------------------------------------------------------------------------


def test_keys_create_prints_the_key_once_on_the_last_line_and_stores_only_its_hash(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATOM_HOME", str(world.settings.home))
    reset_settings_cache()
    app = Typer()
    app.add_typer(keys_app, name="keys")
    try:
        result = CliRunner().invoke(app, ["keys", "create", "--role", "tenant", "--subject", "ten_beta"])
    finally:
        reset_settings_cache()
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("atom_") and len(secret) > 40
    engine = make_engine(world.settings.database_url)
    with session_scope(engine) as session:
        row = session.scalars(
            select(ApiKey).where(ApiKey.subject == "ten_beta").order_by(ApiKey.created_at.desc())
        ).first()
        assert row is not None and row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
        stored = [value for r in session.scalars(select(ApiKey)) for value in (r.id, r.key_hash, r.subject)]
    engine.dispose()
    assert secret not in stored
    with make_client(world.settings) as client:
        assert client.get(
            "/v1/tenants/ten_beta/invoices", headers={"Authorization": f"Bearer {secret}"}
        ).status_code in (200, 503)


def test_keys_create_refuses_an_unknown_subject(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOM_HOME", str(world.settings.home))
    reset_settings_cache()
    app = Typer()
    app.add_typer(keys_app, name="keys")
    try:
        result = CliRunner().invoke(app, ["keys", "create", "--role", "tenant", "--subject", "ten_ghost"])
    finally:
        reset_settings_cache()
    assert result.exit_code == 1
    assert "no tenant 'ten_ghost'" in result.output
