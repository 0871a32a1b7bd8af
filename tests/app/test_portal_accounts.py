"""Portal accounts: argon2 hashes, `atom users add`, OIDC role lookup."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from atom.opdb import make_engine, migrate, session_scope
from atom.opdb.portal import PortalUser, PortalUserError, add_user, authenticate, role_of
from atom.opdb.registry import AuditLog
from atom.settings import get_settings
from cli.users import users_app
from tests.app.conftest import PortalHome


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    """The portal's operational-DB work, on SQLite and on PostgreSQL (tests/pg.py): the database is
    chosen before the home is seeded."""
    return portal_home


@pytest.fixture
def url(portal_home: PortalHome) -> str:
    database = get_settings().database_url
    migrate(database)
    return database


def test_password_is_stored_as_an_argon2id_hash_and_checked(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        add_user(session, " Ada@Example.com ", "reviewer", "long enough secret")
    with session_scope(engine) as session:
        user = session.get(PortalUser, "ada@example.com")
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert "long enough secret" not in user.password_hash
        assert authenticate(session, "ADA@example.com", "long enough secret") is not None
        assert authenticate(session, "ada@example.com", "long enough secreT") is None
        assert authenticate(session, "nobody@example.com", "long enough secret") is None


def test_unknown_role_short_password_and_duplicates_are_refused(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        with pytest.raises(PortalUserError, match="admin, reviewer, finance, analyst"):
            add_user(session, "a@example.com", "owner", "long enough secret")
        with pytest.raises(PortalUserError, match="at least 8"):
            add_user(session, "a@example.com", "admin", "short")
        add_user(session, "a@example.com", "admin", "long enough secret")
        session.flush()
        with pytest.raises(PortalUserError, match="already has an account"):
            add_user(session, "a@example.com", "analyst", "long enough secret")


def test_oidc_only_account_cannot_sign_in_with_a_password_but_has_a_role(url: str) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        add_user(session, "sso@example.com", "finance", None)
    with session_scope(engine) as session:
        assert authenticate(session, "sso@example.com", "") is None
        assert role_of(session, "SSO@example.com") == "finance"
        assert role_of(session, "stranger@example.com") is None


def test_atom_users_add_reads_the_password_from_stdin_and_audits(portal_home: PortalHome) -> None:
    migrate(get_settings().database_url)  # an initialised home: `atom users` refuses any other
    result = CliRunner().invoke(
        users_app, ["add", "ops@example.com", "--role", "admin", "--password-stdin"], input="s3cret-enough\n"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("ops@example.com")
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        assert authenticate(session, "ops@example.com", "s3cret-enough") is not None
        entry = session.scalars(select(AuditLog).where(AuditLog.action == "portal_user.add")).one()
        assert (entry.actor, entry.target_id) == ("cli", "ops@example.com")


def test_atom_users_add_says_what_to_fix_for_a_bad_role(portal_home: PortalHome) -> None:
    migrate(get_settings().database_url)
    result = CliRunner().invoke(
        users_app, ["add", "x@example.com", "--role", "boss", "--password-stdin"], input="whatever123\n"
    )

    assert result.exit_code == 2
    assert "admin, reviewer, finance, analyst" in result.output


def test_demo_accounts_exist_for_every_role_and_sign_in(portal_home: PortalHome) -> None:
    from cli.users import create_demo_accounts

    accounts = create_demo_accounts()

    assert [role for _, role, _ in accounts] == ["admin", "reviewer", "finance", "analyst"]
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        for email, role, password in accounts:
            identity = authenticate(session, email, password)
            assert identity is not None and identity.role == role
    assert create_demo_accounts()[0][2] != accounts[0][2], "a rerun issues new passwords"
