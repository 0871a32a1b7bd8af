"""POST /v1/packages and the registry (DESIGN 3.4, 3.5): one test per hostile-upload kind, then the happy path."""

from __future__ import annotations

import hashlib
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from atom.artifacts import artifact_path
from atom.opdb import PackageVersion, Submission, make_engine, record_submission_outcome, session_scope
from governance.archive import ArchiveLimits
from governance.signatures import generate_keypair, sign
from tests.api.conftest import World, build_wpk, make_client, manifest, register_key, upload


@pytest.fixture
def publisher_client(world: World) -> TestClient:
    small = ArchiveLimits(max_compressed_bytes=64 * 1024, max_members=20, max_uncompressed_bytes=200 * 1024)
    client = make_client(world.settings, archive_limits=small, multipart_overhead_bytes=4096)
    client.__enter__()
    assert register_key(client, world, "acme").status_code == 201
    return client


def refused(response, status: int = 422) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    return str(response.json()["reason"])


def stored_artifacts(world: World) -> list[str]:
    return sorted(p.name for p in world.settings.artifacts_dir.rglob("*.wpk"))


def valid_members(**extra: bytes | str) -> dict[str, bytes | str]:
    return {"wpk.toml": manifest(), "workflow.yaml": "steps: []\n", **extra}


# -- hostile and malformed archives: refused with a reason, nothing stored ------------------------------------


def test_an_absolute_path_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{"/etc/cron.d/x": "* * * * * root sh"}))
    assert refused(upload(publisher_client, world, data)) == "absolute_path"
    assert stored_artifacts(world) == []


def test_a_dot_dot_path_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{"steps/../../evil.py": "x"}))
    assert refused(upload(publisher_client, world, data)) == "path_traversal"


def test_a_symlink_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{"steps/link": "/etc/passwd"}), symlinks=("steps/link",))
    assert refused(upload(publisher_client, world, data)) == "symlink"


def test_too_many_files_are_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{f"steps/s{i}.py": "pass\n" for i in range(25)}))
    assert refused(upload(publisher_client, world, data)) == "too_many_files"


def test_a_zip_bomb_ratio_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{"data.bin": b"\0" * 150_000}))
    assert refused(upload(publisher_client, world, data)) == "compression_ratio"


def test_a_too_large_uncompressed_total_is_refused(publisher_client: TestClient, world: World) -> None:
    # Text that compresses a few times: each member's ratio is fine and the upload stays under its 64 KB
    # limit, but the three members expand to 3 x 80 KB, over the 200 KB total.
    text = "".join(f"line {i}\n" for i in range(8000)).encode()[: 80 * 1024]
    data = build_wpk(valid_members(**{f"data{i}.txt": text for i in range(3)}))
    assert len(data) < 64 * 1024
    assert refused(upload(publisher_client, world, data)) == "uncompressed_too_large"


def test_a_body_over_the_upload_limit_is_413(publisher_client: TestClient, world: World) -> None:
    data = build_wpk(valid_members(**{"blob.bin": os.urandom(100 * 1024)}))
    assert refused(upload(publisher_client, world, data), 413) == "too_large"
    assert stored_artifacts(world) == []


def test_not_a_zip_is_refused(publisher_client: TestClient, world: World) -> None:
    assert refused(upload(publisher_client, world, b"#!/bin/sh\nrm -rf /\n")) == "not_a_zip"


def test_an_archive_without_wpk_toml_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk({"workflow.yaml": "steps: []\n"})
    assert refused(upload(publisher_client, world, data)) == "missing_manifest"


def test_an_invalid_manifest_is_refused_with_what_to_fix(publisher_client: TestClient, world: World) -> None:
    data = build_wpk({"wpk.toml": manifest().replace('filesystem = "scratch"', 'filesystem = "everything"')})
    response = upload(publisher_client, world, data)
    assert refused(response) == "invalid_manifest"
    assert "permissions.filesystem" in response.json()["detail"]


def test_a_manifest_of_another_publisher_is_refused(publisher_client: TestClient, world: World) -> None:
    assert refused(upload(publisher_client, world, build_wpk(publisher="beta"))) == "publisher_mismatch"


@pytest.mark.parametrize("name", ["Slack_Notify", "ab", "x" * 65, "../up"])
def test_a_bad_package_name_is_refused(publisher_client: TestClient, world: World, name: str) -> None:
    assert refused(upload(publisher_client, world, build_wpk(name=name))) == "bad_name"


@pytest.mark.parametrize("version", ["1.2", "v1.2.0", "01.2.0", "1.2.0/../x"])
def test_a_bad_version_is_refused(publisher_client: TestClient, world: World, version: str) -> None:
    assert refused(upload(publisher_client, world, build_wpk(version=version))) == "bad_version"


def test_a_signature_by_an_unregistered_key_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk()
    stranger = generate_keypair()
    response = upload(publisher_client, world, data, signature=sign(data, stranger.private_key_pem))
    assert refused(response) == "bad_signature"


def test_a_signature_over_other_bytes_is_refused(publisher_client: TestClient, world: World) -> None:
    data = build_wpk()
    other = sign(build_wpk(version="1.2.1"), world.signing["acme"].private_key_pem)
    assert refused(upload(publisher_client, world, data, signature=other)) == "bad_signature"


def test_a_signature_that_is_not_base64_is_refused(publisher_client: TestClient, world: World) -> None:
    assert refused(upload(publisher_client, world, build_wpk(), signature="not base64 !!")) == "bad_signature"


def test_a_signature_by_a_revoked_key_is_refused(publisher_client: TestClient, world: World) -> None:
    kid = world.signing["acme"].key_id
    revoke = publisher_client.post(f"/v1/publishers/acme/keys/{kid}/revoke", headers=world.auth("acme"))
    assert revoke.status_code == 200 and revoke.json()["revoked_at"] is not None
    assert refused(upload(publisher_client, world, build_wpk())) == "revoked_key"


def test_a_publisher_without_keys_cannot_publish(world: World) -> None:
    with make_client(world.settings) as client:
        assert refused(upload(client, world, build_wpk())) == "no_signing_key"


def test_republishing_a_version_is_409_even_with_other_content(
    publisher_client: TestClient, world: World
) -> None:
    assert upload(publisher_client, world, build_wpk()).status_code == 202
    changed = build_wpk(valid_members(**{"steps/new.py": "pass\n"}))
    assert refused(upload(publisher_client, world, changed), 409) == "version_exists"


def test_an_invalid_public_key_is_refused(publisher_client: TestClient, world: World) -> None:
    response = publisher_client.post(
        "/v1/publishers/acme/keys",
        headers=world.auth("acme"),
        json={"public_key": "-----BEGIN PUBLIC KEY-----\nxx"},
    )
    assert refused(response) == "bad_public_key"


def test_refusals_are_counted_by_reason(publisher_client: TestClient, world: World) -> None:
    upload(publisher_client, world, b"not a zip")
    assert 'atom_api_package_uploads_total{outcome="not_a_zip"} 1.0' in publisher_client.get("/metrics").text


# -- the happy path -----------------------------------------------------------------------------------------------


def test_a_signed_package_is_stored_content_addressed_and_waits_for_governance(
    publisher_client: TestClient, world: World
) -> None:
    data = build_wpk()
    response = upload(publisher_client, world, data)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "pending_scan"
    digest = hashlib.sha256(data).hexdigest()
    assert body["sha256"] == digest
    stored = artifact_path(world.settings.artifacts_dir, digest)
    assert stored == world.settings.artifacts_dir / "sha256" / digest[:2] / f"{digest}.wpk"
    assert stored.read_bytes() == data
    submission = publisher_client.get(
        f"/v1/submissions/{body['submission_id']}", headers=world.auth("acme")
    ).json()
    assert (submission["status"], submission["report"], submission["signing_key_id"]) == (
        "pending_scan",
        None,
        world.signing["acme"].key_id,
    )
    # Not approved yet: not listed.
    assert publisher_client.get("/v1/packages", headers=world.auth("ten_acme")).json() == []
    assert (
        publisher_client.get("/v1/packages/slack-notify", headers=world.auth("ten_acme")).status_code == 404
    )


def test_an_approved_version_is_listed_and_a_yank_keeps_the_file(
    publisher_client: TestClient, world: World
) -> None:
    data = build_wpk()
    submission_id = upload(publisher_client, world, data).json()["submission_id"]
    upload(publisher_client, world, build_wpk(version="1.3.0"))  # still pending: not listed
    engine = make_engine(world.settings.database_url)
    with session_scope(engine) as session:
        record_submission_outcome(
            session,
            submission_id,
            status="approved",
            decision="approve",
            report={"risk_score": 0.1},
            risk_score=0.1,
        )
    with session_scope(engine) as session:
        assert (
            session.scalars(select(PackageVersion.status).where(PackageVersion.version == "1.2.0")).one()
            == "approved"
        )
        assert session.get(Submission, submission_id).scanned_at is not None  # type: ignore[union-attr]
    engine.dispose()
    listed = publisher_client.get("/v1/packages", headers=world.auth("ten_acme")).json()
    assert [(p["name"], [v["version"] for v in p["versions"]]) for p in listed] == [
        ("slack-notify", ["1.2.0"])
    ]
    report = publisher_client.get(f"/v1/submissions/{submission_id}", headers=world.auth("acme")).json()[
        "report"
    ]
    assert report == {"risk_score": 0.1}

    yank = publisher_client.post(
        "/v1/packages/slack-notify/versions/1.2.0/yank",
        headers=world.auth("acme"),
        json={"reason": "leaks a token"},
    )
    assert yank.status_code == 200
    again = publisher_client.post(
        "/v1/packages/slack-notify/versions/1.2.0/yank", headers=world.auth("acme"), json={"reason": "again"}
    )
    assert again.status_code == 409
    (version,) = publisher_client.get("/v1/packages/slack-notify", headers=world.auth("beta")).json()[
        "versions"
    ]
    assert (version["yanked"], version["yank_reason"]) == (True, "leaks a token")
    digest = hashlib.sha256(data).hexdigest()
    assert artifact_path(world.settings.artifacts_dir, digest).read_bytes() == data
