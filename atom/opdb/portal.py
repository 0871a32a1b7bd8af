"""Operational tables of the portal: its accounts and the reviewers' locks on submissions (issue 6).

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended set); only
the hash is stored. An account without a password can sign in only through OIDC (``st.login``), where the
identity provider vouches for the e-mail and this table supplies the role.

A review lock says "this reviewer has taken this submission": one row per submission, expiring after
:data:`REVIEW_LOCK_TTL` so an abandoned browser tab does not block the queue (AMO's reviewer locks work
the same way). The migration is ``0004_portal`` (branch ``portal``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from atom.opdb.models import Base
from atom.opdb.registry import AuditLog, utcnow

PORTAL_ROLES = ("admin", "reviewer", "finance", "analyst")
REVIEW_LOCK_TTL = timedelta(minutes=30)
# Verifying against this when the account does not exist keeps "no such user" and "wrong password"
# equally slow, so response times do not tell which e-mails have accounts.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class PortalUser(Base):
    """A portal account; ``email`` is stored lower-cased and is the identity written to the audit log."""

    __tablename__ = "portal_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'reviewer', 'finance', 'analyst')", name="role_known"),
    )

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(DateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime())


class ReviewLock(Base):
    """Who holds a submission for review, until when."""

    __tablename__ = "review_locks"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    locked_by: Mapped[str] = mapped_column(String(254))
    locked_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime())


class PortalUserError(ValueError):
    """An account cannot be created as asked; the message says what to change."""


class ReviewLockHeld(RuntimeError):
    """Another reviewer holds the submission."""

    def __init__(self, lock: ReviewLock) -> None:
        super().__init__(
            f"{lock.locked_by} is reviewing this package (since {lock.locked_at:%Y-%m-%d %H:%M} UTC, "
            f"lock expires {lock.expires_at:%H:%M} UTC); pick another one from the queue."
        )
        self.locked_by = lock.locked_by
        self.expires_at = lock.expires_at


@dataclass(frozen=True)
class Identity:
    """A signed-in portal user, as the pages see it."""

    email: str
    role: str


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value:
        raise PortalUserError(f"{email!r} is not an e-mail address: use name@example.com")
    return value


def add_user(
    session: Session, email: str, role: str, password: str | None, *, replace: bool = False
) -> PortalUser:
    """Create (or, with ``replace``, update) an account. ``password`` None makes an OIDC-only account."""
    if role not in PORTAL_ROLES:
        raise PortalUserError(f"role {role!r} is not one of {', '.join(PORTAL_ROLES)}")
    address = normalise_email(email)
    if password is not None and len(password) < 8:
        raise PortalUserError("the password is too short: use at least 8 characters")
    user = session.get(PortalUser, address)
    if user is not None and not replace:
        raise PortalUserError(f"{address} already has an account (role {user.role})")
    if user is None:
        user = PortalUser(email=address, created_at=utcnow())
        session.add(user)
    user.role = role
    user.password_hash = _hasher.hash(password) if password is not None else None
    user.disabled_at = None
    return user


def authenticate(session: Session, email: str, password: str) -> Identity | None:
    """The identity for a correct e-mail and password of an enabled account, else None."""
    try:
        address = normalise_email(email)
    except PortalUserError:
        return None
    user = session.get(PortalUser, address)
    stored = user.password_hash if user is not None and user.disabled_at is None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return Identity(user.email, user.role)


def role_of(session: Session, email: str) -> str | None:
    """The role of an enabled account (for identities vouched for by OIDC), else None."""
    try:
        user = session.get(PortalUser, normalise_email(email))
    except PortalUserError:
        return None
    return user.role if user is not None and user.disabled_at is None else None


def audit(
    session: Session, actor: str, action: str, target_type: str, target_id: str, details: dict[str, Any]
) -> AuditLog:
    """Append a portal action to the shared audit log; ``actor`` is the signed-in user's e-mail."""
    entry = AuditLog(
        occurred_at=utcnow(),
        api_key_id=None,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details_json=json.dumps(details, sort_keys=True, default=str),
    )
    session.add(entry)
    return entry


def current_lock(session: Session, submission_id: str, now: datetime | None = None) -> ReviewLock | None:
    """The unexpired lock on a submission, if any."""
    lock = session.get(ReviewLock, submission_id)
    if lock is None or lock.expires_at <= (now or utcnow()):
        return None
    return lock


def acquire_review_lock(
    session: Session,
    submission_id: str,
    reviewer: str,
    *,
    now: datetime | None = None,
    ttl: timedelta = REVIEW_LOCK_TTL,
) -> ReviewLock:
    """Take (or renew) the lock for ``reviewer``; raises :class:`ReviewLockHeld` if someone else has it.

    The row is the lock: an expired one is replaced, a live one of another reviewer refuses. Two
    reviewers racing on a free submission both try to INSERT the same primary key; the second commit
    fails with an IntegrityError, which the caller shows as "taken".
    """
    moment = now or utcnow()
    lock = session.get(ReviewLock, submission_id, with_for_update=True)
    if lock is not None and lock.expires_at > moment and lock.locked_by != reviewer:
        raise ReviewLockHeld(lock)
    if lock is None:
        lock = ReviewLock(submission_id=submission_id, locked_by=reviewer, locked_at=moment)
        session.add(lock)
    elif lock.locked_by != reviewer or lock.expires_at <= moment:
        lock.locked_by, lock.locked_at = reviewer, moment
    lock.expires_at = moment + ttl
    return lock


def release_review_lock(session: Session, submission_id: str, reviewer: str) -> bool:
    """Drop the reviewer's own lock; True when there was one."""
    result = session.execute(
        delete(ReviewLock).where(ReviewLock.submission_id == submission_id, ReviewLock.locked_by == reviewer)
    )
    return bool(getattr(result, "rowcount", 0))


def live_locks(session: Session, now: datetime | None = None) -> dict[str, ReviewLock]:
    """Every unexpired lock by submission id, for the queue."""
    moment = now or utcnow()
    rows = session.scalars(select(ReviewLock).where(ReviewLock.expires_at > moment)).all()
    return {lock.submission_id: lock for lock in rows}
