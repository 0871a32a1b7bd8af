"""Signing keys (DESIGN 3.5); needs the optional ``cryptography`` package: ``pip install 'atom-sdk[signing]'``."""

from __future__ import annotations

import hashlib
from typing import Any, Literal, NamedTuple

from atom_sdk.errors import PackageError

KeyKind = Literal["ecdsa-p256", "ed25519"]


class KeyPair(NamedTuple):
    """PEM texts: PKCS#8 private key (keep it secret) and SubjectPublicKeyInfo public key (register it)."""

    private_pem: str
    public_pem: str


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "signing needs the 'cryptography' package: pip install 'atom-sdk[signing]'"
        ) from exc
    return serialization


def generate(kind: KeyKind = "ecdsa-p256") -> KeyPair:
    """A new key pair as ``(private_pem, public_pem)``; ECDSA P-256 is what ``cosign generate-key-pair`` makes."""
    serialization = _crypto()
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    private: Any
    if kind == "ecdsa-p256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unknown key kind {kind!r}: use 'ecdsa-p256' or 'ed25519'")
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return KeyPair(private_pem, public_pem)


def key_id(public_pem: str | bytes) -> str:
    """SHA-256 hex of the DER public key: the id the API reports for a registered key."""
    serialization = _crypto()
    pem = public_pem.encode() if isinstance(public_pem, str) else public_pem
    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def sign_bytes(data: bytes, private_pem: str | bytes, password: bytes | None = None) -> str:
    """Standard base64 of the signature: DER ECDSA over SHA-256 of ``data`` (as ``cosign sign-blob --key``),
    or the raw 64-byte Ed25519 signature."""
    import base64

    serialization = _crypto()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    pem = private_pem.encode() if isinstance(private_pem, str) else private_pem
    try:
        private = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as exc:
        raise PackageError(
            f"private key is not a readable PEM private key ({exc}); pass the private_pem of keys.generate()"
        ) from exc
    if isinstance(private, ec.EllipticCurvePrivateKey):
        if not isinstance(private.curve, ec.SECP256R1):
            raise PackageError(f"ECDSA key on curve {private.curve.name}: use P-256 (prime256v1) or Ed25519")
        signature = private.sign(data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        signature = private.sign(data)
    else:
        raise PackageError(f"{type(private).__name__} keys are not supported: use ECDSA P-256 or Ed25519")
    return base64.b64encode(signature).decode("ascii")


def verify_bytes(data: bytes, signature_b64: str, public_pem: str | bytes) -> bool:
    """True when ``signature_b64`` (DESIGN 3.5: DER ECDSA P-256 over SHA-256, or raw Ed25519) signs ``data``
    under ``public_pem``; False for a wrong signature, a malformed one, or an unsupported key."""
    import base64
    import binascii

    serialization = _crypto()
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    pem = public_pem.encode() if isinstance(public_pem, str) else public_pem
    try:
        key = serialization.load_pem_public_key(pem)
        signature = base64.b64decode("".join(signature_b64.split()), validate=True)
    except (ValueError, TypeError, binascii.Error):
        return False
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
    except InvalidSignature:
        return False
    return False
