"""API keys: creation (``atom keys create``) and lookup.

A key is ``atom_`` + 43 characters of ``secrets.token_urlsafe(32)``: 256 random bits. Only its SHA-256 is
stored. A fast hash is right here, unlike for passwords: guessing a 256-bit secret from its hash is
infeasible whatever the hash costs, while a slow hash (argon2, ~50 ms) on every request would cap the
API at ~20 requests/s/core. The hash is also the lookup key (a unique index), so no secret is ever
compared byte by byte in Python. See docs/decisions/0400-api-keys-and-isolation.md.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from atom.opdb import ApiKey, Publisher, Tenant
from atom.opdb.registry import API_KEY_ROLES, utcnow
from ingest.api.audit import record_audit

KEY_PREFIX = "atom_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (never the secret), its role and its subject."""

    key_id: str
    role: str
    subject: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def acts_for_tenant(self, tenant_id: str) -> bool:
        return self.is_admin or (self.role == "tenant" and self.subject == tenant_id)

    def acts_for_publisher(self, publisher_id: str) -> bool:
        return self.is_admin or (self.role == "publisher" and self.subject == publisher_id)


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyError_(ValueError):
    """A key that cannot be created as asked; the message says what to fix."""


def create_api_key(session: Session, role: str, subject: str, *, actor: str = "cli") -> tuple[ApiKey, str]:
    """Create a key for ``subject`` and return its row and the secret (shown once, never stored)."""
    if role not in API_KEY_ROLES:
        raise KeyError_(f"role {role!r} is not one of {', '.join(API_KEY_ROLES)}")
    if not subject or len(subject) > 80:
        raise KeyError_("subject must be 1-80 characters: a tenant id, a publisher id, or an admin label")
    if role == "tenant" and session.get(Tenant, subject) is None:
        raise KeyError_(f"no tenant {subject!r}: create it first (POST /v1/tenants with an admin key)")
    if role == "publisher" and session.get(Publisher, subject) is None:
        raise KeyError_(f"no publisher {subject!r}: create it first (POST /v1/publishers with an admin key)")
    secret = generate_key()
    row = ApiKey(
        id=f"key_{secrets.token_hex(8)}",
        key_hash=hash_key(secret),
        role=role,
        subject=subject,
        created_at=utcnow(),
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        None,
        action="api_key.create",
        target_type="api_key",
        target_id=row.id,
        details={"role": role, "subject": subject},
        actor=actor,
    )
    return row, secret


def revoke_api_key(session: Session, key_id: str, *, actor: str = "cli") -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise KeyError_(f"no API key {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_audit(
            session, None, action="api_key.revoke", target_type="api_key", target_id=key_id, actor=actor
        )
    return row


class KeyResolver:
    """Bearer secret -> :class:`Principal`, cached for ``ttl_s`` so a hot client costs no DB read per request.

    The cache means a revocation takes effect within ``ttl_s`` (2 s by default).
    """

    def __init__(self, engine: Engine, ttl_s: float = 2.0) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, secret: str) -> Principal | None:
        if not secret.startswith(KEY_PREFIX) or len(secret) > 128:
            return None
        digest = hash_key(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        with Session(self.engine) as session:
            row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
            principal = (
                Principal(row.id, row.role, row.subject)
                if row is not None and row.revoked_at is None
                else None
            )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + self.ttl_s, principal)
        return principal
