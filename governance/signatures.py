"""Detached package signatures (DESIGN 3.5), verified offline with ``cryptography``.

Format: standard base64 of the signature over the exact bytes of the file.
* ECDSA P-256: a DER-encoded signature over SHA-256 of the file, as ``cosign sign-blob --key`` and
  ``openssl dgst -sha256 -sign key.pem file | base64`` produce it.
* Ed25519: the raw 64-byte signature over the file itself.
Public keys are PEM SubjectPublicKeyInfo; ``key_id`` is the SHA-256 hex of the DER public key, which
is what publishers register and reports cite.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

SignatureStatus = Literal["valid", "invalid", "error"]
KeyKind = Literal["ecdsa-p256", "ed25519"]


@dataclass(frozen=True)
class SignatureResult:
    status: SignatureStatus
    key_id: str | None
    reason: str

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: bytes
    public_key_pem: bytes
    key_id: str


class SignatureFormatError(ValueError):
    """A key or signature that cannot be used at all (as opposed to one that does not match)."""


def load_public_key(public_key_pem: bytes | str) -> ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey:
    pem = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureFormatError(
            "public key is not a PEM SubjectPublicKeyInfo ('-----BEGIN PUBLIC KEY-----'); "
            "export it with `openssl pkey -pubout` or use cosign.pub"
        ) from exc
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise SignatureFormatError(
                f"ECDSA key on curve {key.curve.name} is not supported; use P-256 (prime256v1) or Ed25519"
            )
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise SignatureFormatError(
        f"{type(key).__name__.removeprefix('_').replace('PublicKey', '')} keys are not supported; "
        "use an ECDSA P-256 or Ed25519 key"
    )


def key_id(public_key_pem: bytes | str) -> str:
    """SHA-256 hex of the DER SubjectPublicKeyInfo: stable whatever the PEM's line wrapping."""
    key = load_public_key(public_key_pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def decode_signature(signature_b64: str | bytes) -> bytes:
    text = signature_b64.decode("ascii", "replace") if isinstance(signature_b64, bytes) else signature_b64
    # Signatures arrive wrapped (`base64` wraps at 76 columns) or with a trailing newline.
    compact = "".join(text.split())
    if not compact:
        raise SignatureFormatError("signature is empty; pass the base64 text that the signing tool printed")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureFormatError(
            "signature is not standard base64; pass the signing tool's output as is"
        ) from exc


def verify_signature(data: bytes, signature_b64: str | bytes, public_key_pem: bytes | str) -> SignatureResult:
    """Check a detached signature over ``data``; never raises for bad input, it reports ``error``."""
    try:
        key = load_public_key(public_key_pem)
        kid = key_id(public_key_pem)
    except SignatureFormatError as exc:
        return SignatureResult("error", None, str(exc))
    try:
        signature = decode_signature(signature_b64)
    except SignatureFormatError as exc:
        return SignatureResult("error", kid, str(exc))
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if len(signature) != 64:
                return SignatureResult(
                    "invalid", kid, f"an Ed25519 signature is 64 bytes, this one is {len(signature)}"
                )
            key.verify(signature, data)
        else:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return SignatureResult(
            "invalid",
            kid,
            "signature does not match this file and key: the file changed or another key signed it",
        )
    except ValueError as exc:
        # cryptography raises ValueError for a DER signature it cannot parse.
        return SignatureResult("invalid", kid, f"signature is not a DER ECDSA signature ({exc})")
    return SignatureResult("valid", kid, "signature valid")


def verify_with_any(
    data: bytes, signature_b64: str | bytes, public_keys: Iterable[bytes | str]
) -> SignatureResult:
    """A publisher may hold several registered keys: valid if any verifies, else the most useful failure."""
    results = [verify_signature(data, signature_b64, key) for key in public_keys]
    if not results:
        return SignatureResult(
            "error", None, "the publisher has no registered, unrevoked key; register one first"
        )
    for result in results:
        if result.is_valid:
            return result
    # An "invalid" (a usable key that does not match) says more than an "error" about a broken key.
    return next((r for r in results if r.status == "invalid"), results[0])


def generate_keypair(kind: KeyKind = "ecdsa-p256") -> KeyPair:
    """A new unencrypted PKCS#8 private key and its SPKI public key, both PEM."""
    private: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if kind == "ecdsa-p256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unknown key kind {kind!r}: use 'ecdsa-p256' or 'ed25519'")
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private_pem, public_pem, key_id(public_pem))


def sign(data: bytes, private_key_pem: bytes | str, password: bytes | None = None) -> str:
    """The DESIGN 3.5 signature of ``data`` as standard base64 text (no line breaks)."""
    pem = private_key_pem.encode() if isinstance(private_key_pem, str) else private_key_pem
    private = serialization.load_pem_private_key(pem, password=password)
    if isinstance(private, ec.EllipticCurvePrivateKey):
        if not isinstance(private.curve, ec.SECP256R1):
            raise SignatureFormatError("only P-256 ECDSA keys are supported for signing")
        signature = private.sign(data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(private, ed25519.Ed25519PrivateKey):
        signature = private.sign(data)
    else:
        raise SignatureFormatError("private key must be ECDSA P-256 or Ed25519")
    return base64.b64encode(signature).decode("ascii")
