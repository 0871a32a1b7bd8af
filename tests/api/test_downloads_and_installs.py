"""GET /v1/packages/{name}/versions/{version}/download, GET /v1/publishers/{id}/public-keys and
POST /v1/installs (DESIGN 3.5, 3.8; decision 0710)."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from atom.opdb import AuditLog, Install, make_engine, record_submission_outcome, session_scope
from governance.signatures import verify_signature
from tests.api.conftest import World, build_wpk, register_key, upload


def approve(world: World, submission_id: str) -> None:
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            record_submission_outcome(
                session, submission_id, status="approved", decision="approve", report={}, risk_score=0.1
            )
    finally:
        engine.dispose()


@pytest.fixture
def published(client: TestClient, world: World) -> bytes:
    assert register_key(client, world, "acme").status_code == 201
    data = build_wpk()
    response = upload(client, world, data)
    assert response.status_code == 202, response.text
    approve(world, response.json()["submission_id"])
    return data


def test_download_returns_the_signed_bytes_and_a_signature_that_verifies(
    client: TestClient, world: World, published: bytes
) -> None:
    response = client.get("/v1/packages/slack-notify/versions/1.2.0/download", headers=world.auth("ten_beta"))
    assert response.status_code == 200, response.text
    assert response.content == published
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["x-atom-sha256"] == hashlib.sha256(published).hexdigest()
    assert response.headers["x-atom-publisher"] == "acme"
    keys = client.get("/v1/publishers/acme/public-keys", headers=world.auth("ten_beta"))
    assert keys.status_code == 200
    [key] = keys.json()
    assert key["key_id"] == response.headers["x-atom-key-id"]
    assert verify_signature(
        response.content, response.headers["x-atom-signature"], key["public_key"]
    ).is_valid
    assert key["public_key"] == world.signing["acme"].public_key_pem.decode()


def test_a_pending_unknown_or_yanked_version_is_404(client: TestClient, world: World) -> None:
    assert register_key(client, world, "acme").status_code == 201
    response = upload(client, world, build_wpk())
    url = "/v1/packages/slack-notify/versions/1.2.0/download"
    assert client.get(url, headers=world.auth("admin")).status_code == 404  # pending scan
    approve(world, response.json()["submission_id"])
    assert client.get(url, headers=world.auth("admin")).status_code == 200
    assert client.get(url.replace("1.2.0", "9.9.9"), headers=world.auth("admin")).status_code == 404
    yank = client.post(
        "/v1/packages/slack-notify/versions/1.2.0/yank", headers=world.auth("acme"), json={"reason": "bug"}
    )
    assert yank.status_code == 200
    gone = client.get(url, headers=world.auth("admin"))
    assert gone.status_code == 404 and "yanked" in gone.json()["detail"]
    assert client.get(url).status_code == 401


def test_a_tenant_installs_an_approved_version_and_it_is_stored_and_audited(
    client: TestClient, world: World, published: bytes
) -> None:
    response = client.post(
        "/v1/installs", headers=world.auth("ten_acme"), json={"package": "slack-notify", "version": "1.2.0"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tenant_id"] == "ten_acme" and body["version"] == "1.2.0"
    engine = make_engine(world.settings.database_url)
    try:
        with session_scope(engine) as session:
            [row] = session.scalars(select(Install)).all()
            assert (row.tenant_id, row.version) == ("ten_acme", "1.2.0")
            actions = session.scalars(select(AuditLog.action)).all()
            assert "package.install" in actions
    finally:
        engine.dispose()


def test_installs_are_for_tenant_keys_and_approved_versions_only(
    client: TestClient, world: World, published: bytes
) -> None:
    body = {"package": "slack-notify", "version": "1.2.0"}
    assert client.post("/v1/installs", headers=world.auth("acme"), json=body).status_code == 403
    assert client.post("/v1/installs", headers=world.auth("admin"), json=body).status_code == 403
    missing = {"package": "slack-notify", "version": "2.0.0"}
    assert client.post("/v1/installs", headers=world.auth("ten_acme"), json=missing).status_code == 404
    assert client.post("/v1/installs", json=body).status_code == 401


def test_public_keys_of_an_unknown_publisher_are_404(client: TestClient, world: World) -> None:
    assert client.get("/v1/publishers/nobody/public-keys", headers=world.auth("admin")).status_code == 404
