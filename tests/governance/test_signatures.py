"""DESIGN 3.5 signatures, checked against what the real OpenSSL command line produces."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from governance.signatures import generate_keypair, key_id, sign, verify_signature


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, check=True).stdout


@pytest.fixture
def openssl_signed(tmp_path: Path) -> tuple[bytes, str, bytes]:
    """A file, its signature by `openssl dgst -sha256 -sign key.pem file | base64`, and the public key."""
    key = tmp_path / "key.pem"
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    public = openssl("ec", "-in", str(key), "-pubout")
    package = tmp_path / "slack-notify-1.2.0.wpk"
    package.write_bytes(b"PK\x03\x04 pretend package bytes " * 100)
    signature = subprocess.run(
        f"openssl dgst -sha256 -sign {key} {package} | base64", shell=True, capture_output=True, check=True
    ).stdout.decode()
    return package.read_bytes(), signature, public


def test_a_signature_made_by_openssl_verifies(openssl_signed):
    data, signature, public = openssl_signed
    assert "\n" in signature.strip()  # base64(1) wraps at 76 columns: whitespace must be tolerated
    result = verify_signature(data, signature, public)
    assert result.status == "valid", result.reason
    der = serialization.load_pem_public_key(public).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert result.key_id == hashlib.sha256(der).hexdigest()


def test_our_signature_verifies_with_openssl(tmp_path: Path):
    pair = generate_keypair("ecdsa-p256")
    data = b"package bytes"
    (tmp_path / "pub.pem").write_bytes(pair.public_key_pem)
    (tmp_path / "sig.der").write_bytes(base64.b64decode(sign(data, pair.private_key_pem)))
    (tmp_path / "file").write_bytes(data)
    output = openssl("dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"), "-signature", str(tmp_path / "sig.der"),
                     str(tmp_path / "file"))  # fmt: skip
    assert b"Verified OK" in output


def test_a_tampered_file_is_invalid(openssl_signed):
    data, signature, public = openssl_signed
    result = verify_signature(data + b"\0", signature, public)
    assert result.status == "invalid" and "file changed or another key" in result.reason


def test_a_wrong_key_is_invalid(openssl_signed):
    data, signature, _ = openssl_signed
    result = verify_signature(data, signature, generate_keypair().public_key_pem)
    assert result.status == "invalid"


def test_a_garbage_signature_is_reported(openssl_signed):
    data, _, public = openssl_signed
    not_base64 = verify_signature(data, "this is not base64!", public)
    assert not_base64.status == "error" and "base64" in not_base64.reason
    not_der = verify_signature(data, base64.b64encode(b"x" * 70).decode(), public)
    assert not_der.status == "invalid"
    empty = verify_signature(data, "  \n", public)
    assert empty.status == "error" and "empty" in empty.reason


def test_a_garbage_key_is_an_error_that_says_what_to_pass(openssl_signed):
    data, signature, _ = openssl_signed
    result = verify_signature(
        data, signature, b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"
    )
    assert result.status == "error" and result.key_id is None
    assert "PEM SubjectPublicKeyInfo" in result.reason


def test_an_rsa_key_is_unsupported_with_a_clear_reason():
    rsa_public = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = verify_signature(b"data", base64.b64encode(b"x" * 256).decode(), rsa_public)
    assert result.status == "error"
    assert "RSA keys are not supported" in result.reason and "P-256 or Ed25519" in result.reason


def test_ed25519_keys_sign_and_verify_the_raw_64_byte_signature(tmp_path: Path):
    pair = generate_keypair("ed25519")
    signature = sign(b"package", pair.private_key_pem)
    assert len(base64.b64decode(signature)) == 64
    assert verify_signature(b"package", signature, pair.public_key_pem).status == "valid"
    assert verify_signature(b"packagE", signature, pair.public_key_pem).status == "invalid"
    assert key_id(pair.public_key_pem) == pair.key_id


def test_an_ed25519_key_made_by_openssl_verifies(tmp_path: Path):
    key = tmp_path / "ed.pem"
    openssl("genpkey", "-algorithm", "ed25519", "-out", str(key))
    public = openssl("pkey", "-in", str(key), "-pubout")
    (tmp_path / "f").write_bytes(b"wpk bytes")
    raw = openssl("pkeyutl", "-sign", "-inkey", str(key), "-rawin", "-in", str(tmp_path / "f"))
    assert verify_signature(b"wpk bytes", base64.b64encode(raw).decode(), public).status == "valid"


def test_a_publisher_with_several_keys_verifies_with_any_of_them():
    from governance.signatures import verify_with_any

    old, new = generate_keypair(), generate_keypair("ed25519")
    signature = sign(b"wpk", new.private_key_pem)
    assert verify_with_any(b"wpk", signature, [old.public_key_pem, new.public_key_pem]).key_id == new.key_id
    assert verify_with_any(b"wpk", signature, [old.public_key_pem, b"junk"]).status == "invalid"
    assert "no registered" in verify_with_any(b"wpk", signature, []).reason
