"""`atom users role` and `atom users disable` (DESIGN 3.7): audited, clear errors, non-zero exits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from atom.opdb import make_engine, migrate, session_scope
from atom.opdb.portal import PortalUser, ReviewLock, add_user, authenticate, live_identity
from atom.opdb.registry import AuditLog, utcnow
from atom.settings import get_settings, reset_settings_cache
from cli.main import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ATOM_HOME", str(tmp_path / "home"))
    reset_settings_cache()
    migrate(get_settings().database_url)
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        add_user(session, "Rita@Example.com", "reviewer", "review-all-the-things")
    engine.dispose()
    yield tmp_path / "home"
    reset_settings_cache()


def _db():  # type: ignore[no-untyped-def]
    return session_scope(make_engine(get_settings().database_url))


def _audit(action: str) -> list[AuditLog]:
    with _db() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_role_changes_the_role_that_every_page_run_reads_and_is_audited(home: Path) -> None:
    result = runner.invoke(app, ["users", "role", "RITA@example.com", "analyst"])

    assert result.exit_code == 0, result.output
    assert "rita@example.com is now analyst (was reviewer)" in result.stdout
    with _db() as session:
        assert live_identity(session, "rita@example.com") == live_identity(session, "Rita@Example.com")
        identity = live_identity(session, "rita@example.com")
        assert identity is not None and identity.role == "analyst"
    (entry,) = _audit("portal_user.role")
    assert (entry.actor, entry.target_id) == ("cli", "rita@example.com")
    assert json.loads(entry.details_json) == {"from": "reviewer", "to": "analyst", "review_locks_released": 0}


def test_demoting_a_reviewer_releases_the_review_locks_they_hold(home: Path) -> None:
    from tests.app.opdb_seed import seed_submissions

    seed_submissions(utcnow())
    with _db() as session:
        now = utcnow()
        session.add(
            ReviewLock(
                submission_id="sub_2",
                locked_by="rita@example.com",
                locked_at=now,
                expires_at=now + timedelta(minutes=30),
            )
        )

    result = runner.invoke(app, ["users", "role", "rita@example.com", "finance"])

    assert result.exit_code == 0, result.output
    with _db() as session:
        assert session.get(ReviewLock, "sub_2") is None, "the queue does not wait 30 minutes for her lock"
    assert json.loads(_audit("portal_user.role")[0].details_json)["review_locks_released"] == 1


def test_disable_refuses_the_password_and_every_open_session_and_is_audited(home: Path) -> None:
    result = runner.invoke(app, ["users", "disable", "rita@example.com"])

    assert result.exit_code == 0, result.output
    assert "rita@example.com is disabled" in result.stdout
    with _db() as session:
        user = session.get(PortalUser, "rita@example.com")
        assert user is not None and user.disabled_at is not None
        assert authenticate(session, "rita@example.com", "review-all-the-things") is None
        assert live_identity(session, "rita@example.com") is None
        # OIDC's default role is for e-mails with no account, never for a disabled one.
        assert live_identity(session, "rita@example.com", default_role="analyst") is None
    (entry,) = _audit("portal_user.disable")
    assert json.loads(entry.details_json) == {
        "role": "reviewer",
        "review_locks_released": 0,
        "was_enabled": True,
    }

    again = runner.invoke(app, ["users", "disable", "rita@example.com"])
    assert again.exit_code == 0 and "already disabled" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["role", "nobody@example.com", "analyst"], "nobody@example.com has no portal account"),
        (["disable", "nobody@example.com"], "nobody@example.com has no portal account"),
        (
            ["role", "rita@example.com", "owner"],
            "role 'owner' is not one of admin, reviewer, finance, analyst",
        ),
        (["role", "not-an-address", "analyst"], "is not an e-mail address"),
    ],
    ids=["role-unknown-email", "disable-unknown-email", "unknown-role", "not-an-email"],
)
def test_unknown_accounts_and_roles_fail_with_a_clear_message_and_change_nothing(
    home: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["users", *args])

    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""
    with _db() as session:
        user = session.get(PortalUser, "rita@example.com")
        assert user is not None and (user.role, user.disabled_at) == ("reviewer", None)
    assert not _audit("portal_user.role") and not _audit("portal_user.disable")


@pytest.mark.parametrize("command", ["role", "disable"])
def test_each_users_command_has_help(command: str) -> None:
    result = runner.invoke(app, ["users", command, "--help"])

    assert result.exit_code == 0
    assert "next page run" in " ".join(result.stdout.split())


def test_add_replace_enables_a_disabled_account_again(home: Path) -> None:
    assert runner.invoke(app, ["users", "disable", "rita@example.com"]).exit_code == 0
    result = runner.invoke(
        app,
        ["users", "add", "rita@example.com", "--role", "reviewer", "--replace", "--password-stdin"],
        input="a-brand-new-password\n",
    )

    assert result.exit_code == 0, result.output
    with _db() as session:
        assert authenticate(session, "rita@example.com", "a-brand-new-password") is not None
