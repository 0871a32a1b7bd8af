"""Building, validating and signing packages with the Python SDK, checked by the server's own code
(governance.archive and governance.signatures) and by OpenSSL where it is installed."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from atom_sdk import Client, PackageError, build_package, keys, sign_package

from governance.archive import read_archive
from governance.manifest import parse_manifest
from governance.signatures import key_id, verify_signature
from tests.sdk.conftest import write_package


def test_two_builds_of_the_same_directory_are_byte_identical(package_dir: Path, tmp_path: Path) -> None:
    first = build_package(package_dir, tmp_path / "a.wpk").read_bytes()
    # Touch every file and rebuild a copy made in another order: times and order must not matter.
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in sorted(package_dir.rglob("*"), reverse=True):
        target = copy / path.relative_to(package_dir)
        if path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            os.utime(target, (time.time() + 1000, time.time() + 1000))
    second = build_package(copy, tmp_path / "b.wpk").read_bytes()
    assert first == second


def test_the_archive_has_sorted_entries_fixed_times_and_modes(package_dir: Path) -> None:
    path = build_package(package_dir)
    assert path == package_dir / "dist" / "slack-notify-1.2.0.wpk"
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["steps/post.py", "workflow.yaml", "wpk.toml"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_the_built_archive_passes_the_servers_archive_and_manifest_checks(package_dir: Path) -> None:
    archive = read_archive(build_package(package_dir))
    result = parse_manifest(archive.members["wpk.toml"])
    assert result.ok and result.manifest is not None
    assert (result.manifest.name, result.manifest.version) == ("slack-notify", "1.2.0")


def test_caches_vcs_and_the_build_output_are_left_out(package_dir: Path) -> None:
    (package_dir / "steps" / "__pycache__").mkdir()
    (package_dir / "steps" / "__pycache__" / "post.cpython-311.pyc").write_bytes(b"\0")
    (package_dir / ".git").mkdir()
    (package_dir / ".git" / "HEAD").write_text("ref: main")
    build_package(package_dir)
    with zipfile.ZipFile(build_package(package_dir)) as archive:  # the second build sees dist/ and skips it
        assert archive.namelist() == ["steps/post.py", "workflow.yaml", "wpk.toml"]


def test_an_invalid_manifest_is_refused_with_every_problem_listed(tmp_path: Path) -> None:
    root = write_package(tmp_path / "bad", name="Bad_Name", version="1.2")
    with (root / "wpk.toml").open("a") as handle:
        handle.write('\n[data]\npii_fields = "email"\n')
    with pytest.raises(PackageError) as caught:
        build_package(root)
    text = "\n".join(caught.value.errors)
    assert "package.name 'Bad_Name'" in text
    assert "package.version '1.2' must be a semantic version" in text
    assert "data.pii_fields must be a list of strings" in text


def test_a_directory_without_wpk_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=r"no wpk\.toml"):
        build_package(tmp_path)


def test_a_missing_entrypoint_is_refused(package_dir: Path) -> None:
    (package_dir / "workflow.yaml").unlink()
    with pytest.raises(PackageError, match=r"workflow.entrypoint 'workflow.yaml' is not in"):
        build_package(package_dir)


def test_symbolic_links_are_refused_as_the_api_refuses_them(package_dir: Path) -> None:
    (package_dir / "steps" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(PackageError, match="steps/passwd is a symbolic link"):
        build_package(package_dir)


@pytest.mark.parametrize("kind", ["ecdsa-p256", "ed25519"])
def test_signatures_verify_with_the_servers_verifier(package_dir: Path, kind: str) -> None:
    private_pem, public_pem = keys.generate(kind)  # type: ignore[arg-type]
    path = build_package(package_dir)
    signature = Client(base_url="http://unused").packages.sign(path, private_pem)
    assert verify_signature(path.read_bytes(), signature, public_pem).is_valid
    assert keys.key_id(public_pem) == key_id(public_pem)
    tampered = path.read_bytes() + b"\0"
    assert verify_signature(tampered, signature, public_pem).status == "invalid"


def test_an_ed25519_signature_is_the_raw_64_bytes(package_dir: Path) -> None:
    private_pem, _ = keys.generate("ed25519")
    assert len(base64.b64decode(sign_package(build_package(package_dir), private_pem))) == 64


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_an_ecdsa_signature_verifies_with_openssl_as_cosign_blobs_do(
    package_dir: Path, tmp_path: Path
) -> None:
    private_pem, public_pem = keys.generate("ecdsa-p256")
    path = build_package(package_dir)
    (tmp_path / "key.pub").write_text(public_pem)
    (tmp_path / "sig.der").write_bytes(base64.b64decode(sign_package(path, private_pem)))
    result = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            tmp_path / "key.pub",
            "-signature",
            tmp_path / "sig.der",
            path,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Verified OK" in result.stdout


def test_a_key_that_is_not_pem_is_refused_with_what_to_pass(package_dir: Path) -> None:
    with pytest.raises(PackageError, match="not a readable PEM private key"):
        sign_package(build_package(package_dir), "not a key")
