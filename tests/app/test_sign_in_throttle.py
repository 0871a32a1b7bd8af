"""Sign-in throttling per account and per client address (issue 11, finding 4: "25 wrong passwords in
2.7 s, then in"): a few free failures, then a doubling wait, then a lock; failures audited; the message
says when to retry; the count lives in the operational DB, so new sessions and processes share it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from app.formatting import literal
from atom.opdb import make_engine, session_scope
from atom.opdb.portal import ACCOUNT_THROTTLE, ADDRESS_THROTTLE, SignInOutcome, password_sign_in
from atom.opdb.registry import AuditLog
from atom.settings import get_settings
from tests.app.conftest import APP_FILE, PortalHome
from tests.app.opdb_seed import seed_account

T0 = datetime(2026, 12, 7, 9, 0, 0)
EMAIL, PASSWORD = "rita@example.com", "review-all-the-things"
ATTACKER = "203.0.113.7"


@pytest.fixture
def engine(portal_home: PortalHome, opdb_url: str | None) -> Iterator[Engine]:
    """Accounts in the operational DB, on SQLite and on PostgreSQL (``opdb_url``, tests/pg.py)."""
    yield from _accounts()


@pytest.fixture
def sqlite_engine(portal_home: PortalHome) -> Iterator[Engine]:
    """The same on the home's SQLite file, for the portal's own runs (AppTest)."""
    yield from _accounts()


def _accounts() -> Iterator[Engine]:
    seed_account(EMAIL, "reviewer", PASSWORD)
    seed_account("ana@example.com", "analyst", "numbers-numbers")
    engine = make_engine(get_settings().database_url)
    yield engine
    engine.dispose()


def attempt(
    engine: Engine, password: str, at: datetime, *, email: str = EMAIL, address: str | None = ATTACKER
) -> SignInOutcome:
    return password_sign_in(lambda: session_scope(engine), email, password, address, at)


def failures(engine: Engine) -> list[dict[str, str]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.action == "portal.sign_in_failed"))
        return [{"actor": r.actor, **json.loads(r.details_json)} for r in rows]


def test_three_free_failures_then_a_doubling_wait_in_which_even_the_right_password_is_refused(
    engine: Engine,
) -> None:
    for second in range(3):
        outcome = attempt(engine, "guess", T0 + timedelta(seconds=second))
        assert outcome.identity is None and not outcome.throttled
    assert outcome.retry_at == T0 + timedelta(seconds=2 + 1), "after the 3rd failure: wait 1 s"

    refused = attempt(engine, PASSWORD, T0 + timedelta(seconds=2.5))
    assert (refused.identity, refused.throttled, refused.retry_at) == (None, True, T0 + timedelta(seconds=3))

    fourth = attempt(engine, "guess", T0 + timedelta(seconds=3))
    assert fourth.retry_at == T0 + timedelta(seconds=3 + 2), "after the 4th: 2 s"
    fifth = attempt(engine, "guess", T0 + timedelta(seconds=5))
    assert fifth.retry_at == T0 + timedelta(seconds=5 + 4), "after the 5th: 4 s"

    ok = attempt(engine, PASSWORD, T0 + timedelta(seconds=9))
    assert ok.identity is not None and ok.identity.email == EMAIL
    again = attempt(engine, "typo", T0 + timedelta(seconds=10))
    assert again.retry_at is None, "a successful sign-in forgets the account's failures"


def test_the_tenth_failure_locks_the_account_for_fifteen_minutes(engine: Engine) -> None:
    moment = T0
    for _ in range(ACCOUNT_THROTTLE.lock_after):
        outcome = attempt(engine, "guess", moment)
        assert not outcome.throttled
        moment = outcome.retry_at or moment + timedelta(seconds=1)
    assert outcome.retry_at is not None
    last_failure = outcome.retry_at - timedelta(minutes=15)

    at_14_minutes = attempt(engine, PASSWORD, last_failure + timedelta(minutes=14))
    assert at_14_minutes.throttled and at_14_minutes.retry_at == last_failure + timedelta(minutes=15)
    # From another address too: the lock is the account's.
    assert attempt(engine, PASSWORD, last_failure + timedelta(minutes=14), address="198.51.100.1").throttled

    after = attempt(engine, PASSWORD, last_failure + timedelta(minutes=15))
    assert after.identity is not None


def test_the_attack_of_the_review_25_guesses_in_a_burst_then_the_right_password_is_refused(
    engine: Engine,
) -> None:
    outcomes = [attempt(engine, f"guess-{n}", T0 + timedelta(milliseconds=100 * n)) for n in range(25)]
    final = attempt(engine, PASSWORD, T0 + timedelta(seconds=2.7))

    assert final.identity is None and final.throttled
    # Failures at 0, 0.1 and 0.2 s are free; the next check waits until 1.2 s, the one after until 3.2 s.
    assert [n for n, o in enumerate(outcomes) if not o.throttled] == [0, 1, 2, 12]
    reasons = [f["reason"] for f in failures(engine)]
    assert reasons.count("wrong_credentials") == 4 and reasons.count("throttled") == 22
    entry = failures(engine)[-1]
    assert entry["actor"] == EMAIL and entry["client_address"] == ATTACKER
    assert entry["retry_at"] == "2026-12-07T09:00:03"


def test_parallel_guesses_are_counted_before_any_password_is_checked(engine: Engine) -> None:
    """An attacker opens many sessions at once: each attempt is counted in the database before its
    password is checked, so a burst of 12 parallel guesses gets no more than the free three."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda n: attempt(engine, f"guess-{n}", T0), range(12)))

    assert sum(not o.throttled for o in outcomes) == ACCOUNT_THROTTLE.free_failures


def test_one_address_guessing_many_accounts_is_throttled_too(engine: Engine) -> None:
    moment = T0
    for n in range(ADDRESS_THROTTLE.free_failures):
        outcome = attempt(engine, "guess", moment, email=f"user{n}@example.com")
        assert not outcome.throttled
    refused = attempt(engine, "numbers-numbers", moment, email="ana@example.com")
    assert refused.throttled, "the address has used its free failures on other accounts"
    elsewhere = attempt(engine, "numbers-numbers", moment, email="ana@example.com", address="198.51.100.1")
    assert elsewhere.identity is not None, "another address is not affected"


def test_failures_are_forgotten_an_hour_after_the_last_one(engine: Engine) -> None:
    for second in range(3):
        attempt(engine, "guess", T0 + timedelta(seconds=second))
    later = attempt(engine, "typo", T0 + timedelta(hours=1, seconds=3))
    assert not later.throttled and later.retry_at is None


# --- the sign-in form ------------------------------------------------------------------------------------


def sign_in(email: str, password: str) -> AppTest:
    """A new browser session (a fresh AppTest) submitting the form once."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=30).run()
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def test_the_form_says_when_to_retry_and_a_new_session_does_not_reset_the_count(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_engine
    monkeypatch.setattr("app.auth.utcnow", lambda: T0)
    monkeypatch.setattr("app.auth.client_address", lambda: ATTACKER)
    for _ in range(2):
        at = sign_in(EMAIL, "guess")
        assert [e.value for e in at.error] == [
            "Wrong e-mail or password. An admin creates accounts with `atom users add EMAIL --role ...`."
        ]
    third = sign_in(EMAIL, "guess")
    assert "Wait before the next attempt: try again in 1 second (after 09:00:01 UTC)." in third.error[0].value

    refused = sign_in(EMAIL, PASSWORD)  # a new session, the right password, still within the wait

    assert [t.value for t in refused.title] == ["Sign in to ATOM Marketplace"]
    assert refused.error[0].value == (
        "Too many failed sign-ins for this account or from this address: try again in 1 second "
        "(after 09:00:01 UTC). The password was not checked."
    )
    assert [(f["reason"], f["client_address"]) for f in failures(engine)] == [
        ("wrong_credentials", ATTACKER),
        ("wrong_credentials", ATTACKER),
        ("wrong_credentials", ATTACKER),
        ("throttled", ATTACKER),
    ]

    monkeypatch.setattr("app.auth.utcnow", lambda: T0 + timedelta(seconds=1))
    signed_in = sign_in(EMAIL, PASSWORD)
    assert not signed_in.exception, [e.message for e in signed_in.exception]
    assert any(f"Signed in as **{literal(EMAIL)}**" in c.value for c in signed_in.sidebar.caption)


def test_a_locked_account_is_told_the_minutes_to_wait(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_engine
    moment = T0
    for _ in range(ACCOUNT_THROTTLE.lock_after):
        moment = attempt(engine, "guess", moment).retry_at or moment
    monkeypatch.setattr("app.auth.utcnow", lambda: moment - timedelta(minutes=15))

    at = sign_in(EMAIL, PASSWORD)

    assert "try again in 15 minutes" in at.error[0].value


@pytest.mark.parametrize(
    ("seen", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", None),
    ],
)
def test_an_ipv6_client_is_throttled_by_its_64_block(seen: str, key: str | None) -> None:
    from app.auth import throttle_address

    assert throttle_address(seen) == key
