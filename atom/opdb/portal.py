"""Operational tables of the portal: its accounts and the reviewers' locks on submissions (issue 6).

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended set); only
the hash is stored. An account without a password can sign in only through OIDC (``st.login``), where the
identity provider vouches for the e-mail and this table supplies the role.

A review lock says "this reviewer has taken this submission": one row per submission, expiring after
:data:`REVIEW_LOCK_TTL` so an abandoned browser tab does not block the queue (AMO's reviewer locks work
the same way). The migration is ``0004_portal`` (branch ``portal``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from atom.opdb.models import Base
from atom.opdb.registry import AuditLog, utcnow

PORTAL_ROLES = ("admin", "reviewer", "finance", "analyst")
# Roles that may hold review locks (app.review.REVIEWER_ROLES says the same for the console).
REVIEW_ROLES = ("admin", "reviewer")
REVIEW_LOCK_TTL = timedelta(minutes=30)
# Verifying against this when the account does not exist keeps "no such user" and "wrong password"
# equally slow, so response times do not tell which e-mails have accounts.
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: hashing is 0.2 s by design, paid otherwise by every process that
    # imports the operational DB's models (each `atom` command, each Dagster step).
    return _hasher.hash("not a password of anyone")


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
        _hasher.verify(stored or _dummy_hash(), password)
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


def live_identity(session: Session, email: str, *, default_role: str | None = None) -> Identity | None:
    """Who ``email`` is *now*: the role of its enabled account, read at every page run (issue 11, finding 4).

    A disabled account is refused even when ``default_role`` is given; ``default_role`` (OIDC's
    ``ATOM_OIDC_DEFAULT_ROLE``) only applies to e-mails with no account at all.
    """
    try:
        address = normalise_email(email)
    except PortalUserError:
        return None
    user = session.get(PortalUser, address)
    if user is None:
        return Identity(address, default_role) if default_role in PORTAL_ROLES else None
    if user.disabled_at is not None or user.role not in PORTAL_ROLES:
        return None
    return Identity(user.email, user.role)


def _existing_user(session: Session, email: str) -> PortalUser:
    address = normalise_email(email)
    user = session.get(PortalUser, address, with_for_update=True)
    if user is None:
        raise PortalUserError(f"{address} has no portal account: create it with `atom users add {address}`")
    return user


def _release_locks_of(session: Session, email: str) -> int:
    result = session.execute(delete(ReviewLock).where(ReviewLock.locked_by == email))
    return int(getattr(result, "rowcount", 0) or 0)


def set_role(session: Session, email: str, role: str) -> tuple[PortalUser, str, int]:
    """Give an existing account ``role``; returns ``(user, previous role, review locks released)``.

    Open sessions of the account see the new role at their next page run (``live_identity``). Locks of
    a user who may no longer review are released so the queue does not wait for them to expire.
    """
    if role not in PORTAL_ROLES:
        raise PortalUserError(f"role {role!r} is not one of {', '.join(PORTAL_ROLES)}")
    user = _existing_user(session, email)
    previous = user.role
    user.role = role
    released = _release_locks_of(session, user.email) if role not in REVIEW_ROLES else 0
    return user, previous, released


def disable_user(session: Session, email: str, now: datetime | None = None) -> tuple[PortalUser, bool, int]:
    """Disable an account; returns ``(user, whether it was enabled until now, review locks released)``.

    Every open session of the account is signed out at its next page run; ``atom users add --replace``
    enables it again (with a new password).
    """
    user = _existing_user(session, email)
    was_enabled = user.disabled_at is None
    if was_enabled:
        user.disabled_at = now or utcnow()
    return user, was_enabled, _release_locks_of(session, user.email)


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


# --- Sign-in throttling (issue 11, finding 4: "25 wrong passwords in 2.7 s, then in") -------------------
#
# Failures are counted per account (the e-mail typed, whether or not it has an account, so a refusal says
# nothing about which e-mails exist) and per client address. A few free failures, then an exponential
# wait before the next attempt, then a lock. State lives in the operational DB, not in the Streamlit
# session or process: an attacker opens a new session per try, and the portal may run as several
# processes. Why not ``limits``: its storages are memory (per process), Redis, Memcached and MongoDB;
# none is the database the portal already shares, and its windows count hits, where a backoff needs the
# time of the last failure. See docs/decisions/0601-portal-identity-per-run-and-sign-in-throttle.md.


class SignInThrottle(Base):
    """Recent failed sign-ins of one account or one client address."""

    __tablename__ = "portal_sign_in_throttle"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # account | address
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer())
    last_failure_at: Mapped[datetime] = mapped_column(DateTime())
    locked_until: Mapped[datetime | None] = mapped_column(DateTime())


@dataclass(frozen=True)
class ThrottlePolicy:
    """``free_failures`` cost nothing; each further one doubles the wait before the next attempt (from
    ``first_delay`` up to ``max_delay``); the ``lock_after``-th locks for ``lock_for``. Failures are
    forgotten ``forget_after`` the last one; a successful sign-in forgets the account's at once."""

    free_failures: int
    lock_after: int
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=1)
    lock_for: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def next_attempt_at(self, row: SignInThrottle, now: datetime) -> datetime | None:
        """When the next attempt may be made, if that is later than ``now``."""
        if row.last_failure_at <= now - self.forget_after:
            return None
        if row.locked_until is not None and row.locked_until > now:
            return row.locked_until
        if row.failures < self.free_failures:
            return None
        steps = min(row.failures - self.free_failures, 20)
        wait = min(self.first_delay * (2**steps), self.max_delay)
        at = row.last_failure_at + wait
        return at if at > now else None

    def count_failure(self, row: SignInThrottle, now: datetime) -> None:
        if row.last_failure_at <= now - self.forget_after:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= self.lock_after:
            row.locked_until = now + self.lock_for


# A person mistypes a password a few times; a script tries thousands. Per account: 3 free failures, then
# waits of 1, 2, 4 … 60 s, and the 10th failure within the hour locks the account's sign-in for 15 min
# (at most ~4 guesses an hour after that). Per address the numbers are higher, as an office shares one.
ACCOUNT_THROTTLE = ThrottlePolicy(free_failures=3, lock_after=10)
ADDRESS_THROTTLE = ThrottlePolicy(free_failures=10, lock_after=50)


@dataclass(frozen=True)
class SignInOutcome:
    """The result of a password sign-in: an identity, or a refusal with when to try again."""

    identity: Identity | None
    throttled: bool = False
    retry_at: datetime | None = None  # the earliest next attempt, when one has to wait


def _throttle_keys(email: str, address: str | None) -> list[tuple[str, str, ThrottlePolicy]]:
    account = email.strip().lower()[:254]
    return [("account", account, ACCOUNT_THROTTLE), ("address", address or "local", ADDRESS_THROTTLE)]


def _lock_rows(
    session: Session, keys: list[tuple[str, str, ThrottlePolicy]], now: datetime
) -> list[tuple[SignInThrottle, ThrottlePolicy]]:
    """The throttle rows of ``keys`` (created when missing), write-locked for this transaction.

    The insert comes first: on SQLite it takes the database's write lock, on PostgreSQL the rows are then
    read FOR UPDATE; either way concurrent attempts on the same key are counted one after the other.
    """
    values = [
        {"scope": scope, "key": key, "failures": 0, "last_failure_at": now, "locked_until": None}
        for scope, key, _ in keys
    ]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        session.execute(insert(SignInThrottle).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - other databases are not supported by the operational DB
        for value in values:
            if session.get(SignInThrottle, (value["scope"], value["key"])) is None:
                session.add(SignInThrottle(**value))
        session.flush()
    rows = []
    for scope, key, policy in keys:
        row = session.get(SignInThrottle, (scope, key), with_for_update=True, populate_existing=True)
        assert row is not None
        rows.append((row, policy))
    return rows


def sign_in_wait(
    session: Session, email: str, address: str | None, now: datetime | None = None
) -> datetime | None:
    """When the next sign-in attempt for ``email`` from ``address`` may be made, if it must wait."""
    moment = now or utcnow()
    waits = []
    for scope, key, policy in _throttle_keys(email, address):
        row = session.get(SignInThrottle, (scope, key))
        if row is not None and (at := policy.next_attempt_at(row, moment)) is not None:
            waits.append(at)
    return max(waits, default=None)


def reserve_sign_in_attempt(
    session: Session, email: str, address: str | None, now: datetime | None = None
) -> datetime | None:
    """Count an attempt as failed *before* the password is checked, unless it must wait: then return
    when it may be made. Counting first means parallel guesses cannot slip in before the count rises;
    :func:`settle_sign_in_attempt` takes the failure back when the password was right."""
    moment = now or utcnow()
    rows = _lock_rows(session, _throttle_keys(email, address), moment)
    waits = [at for row, policy in rows if (at := policy.next_attempt_at(row, moment)) is not None]
    if waits:
        return max(waits)
    for row, policy in rows:
        policy.count_failure(row, moment)
    return None


def settle_sign_in_attempt(session: Session, email: str, address: str | None) -> None:
    """The password was right: forget the account's failures and take back the address's reserved one."""
    keys = _throttle_keys(email, address)
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.scope == "account", SignInThrottle.key == keys[0][1])
    )
    session.execute(
        update(SignInThrottle)
        .where(
            SignInThrottle.scope == "address", SignInThrottle.key == keys[1][1], SignInThrottle.failures > 0
        )
        .values(failures=SignInThrottle.failures - 1)
    )


def password_sign_in(
    sessions: Callable[[], AbstractContextManager[Session]],
    email: str,
    password: str,
    address: str | None,
    now: datetime | None = None,
) -> SignInOutcome:
    """Throttle, check the password, and audit a failure (``portal.sign_in_failed``, actor the e-mail
    typed): one transaction counts the attempt, the next checks the password (argon2 takes tens of ms,
    which no lock should wait for) and settles or records the failure."""
    moment = now or utcnow()
    typed = email.strip().lower()[:120] or "(empty)"
    details: dict[str, Any] = {"client_address": address or "local"}
    with sessions() as session:
        wait = reserve_sign_in_attempt(session, email, address, moment)
        if wait is not None:
            audit(
                session,
                typed,
                "portal.sign_in_failed",
                "portal_user",
                typed,
                {**details, "reason": "throttled", "retry_at": wait.isoformat(timespec="seconds")},
            )
            return SignInOutcome(None, throttled=True, retry_at=wait)
    with sessions() as session:
        identity = authenticate(session, email, password)
        if identity is not None:
            settle_sign_in_attempt(session, email, address)
            return SignInOutcome(identity)
        retry = sign_in_wait(session, email, address, moment)
        audit(
            session,
            typed,
            "portal.sign_in_failed",
            "portal_user",
            typed,
            {
                **details,
                "reason": "wrong_credentials",
                **({"retry_at": retry.isoformat(timespec="seconds")} if retry else {}),
            },
        )
    return SignInOutcome(None, retry_at=retry)
