"""The portal asks the operational DB who the user is at every page run (issue 11, finding 4): a demoted
or disabled user loses access at the next click, not when their browser tab closes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from atom.opdb import make_engine, session_scope
from atom.opdb.portal import ReviewLock, disable_user, set_role
from atom.opdb.registry import AuditLog
from atom.settings import get_settings
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import run_as


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    """The portal's operational-DB work, on SQLite and on PostgreSQL (tests/pg.py): the database is
    chosen before the home is seeded."""
    return portal_home


RITA = "rita@atom.test"


def _db():  # type: ignore[no-untyped-def]
    return session_scope(make_engine(get_settings().database_url))


def _nav_titles(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.value for t in at.title]


def test_a_reviewer_demoted_while_signed_in_loses_the_review_console_at_the_next_click(
    portal_world: PortalHome,
) -> None:
    at = run_as("reviewer", "review.py", email=RITA)
    assert _nav_titles(at) == ["Review console"]

    with _db() as session:
        set_role(session, RITA, "analyst")
    at.button(key="review_take").click().run()

    assert not at.exception, [e.message for e in at.exception]
    assert "Review console" not in _nav_titles(at)
    assert not [b for b in at.button if b.key in ("review_take", "review_submit")]
    assert any("(analyst)" in c.value for c in at.sidebar.caption), "the sidebar shows the new role"
    with _db() as session:
        assert session.get(ReviewLock, "sub_2") is None, "the click did not take the package"


def test_a_disabled_user_is_signed_out_at_the_next_click_and_it_is_audited(portal_world: PortalHome) -> None:
    at = run_as("reviewer", "review.py", email=RITA)

    with _db() as session:
        disable_user(session, RITA)
    at.button(key="review_take").click().run()

    assert not at.exception, [e.message for e in at.exception]
    assert _nav_titles(at) == ["Sign in to ATOM Marketplace"]
    assert any("disabled" in w.value for w in at.warning)
    assert "atom_identity" not in at.session_state
    with _db() as session:
        assert session.get(ReviewLock, "sub_2") is None
        (ended,) = session.scalars(select(AuditLog).where(AuditLog.action == "portal.session_ended"))
    assert ended.actor == RITA and json.loads(ended.details_json) == {"reason": "no_role"}

    at.run()  # the session stays signed out: re-enabling the account would not revive it
    assert _nav_titles(at) == ["Sign in to ATOM Marketplace"]


def test_a_page_run_on_its_own_uses_the_role_in_the_database_not_the_one_at_sign_in(
    portal_world: PortalHome,
) -> None:
    at = run_as("finance", email="fin@atom.test")
    with _db() as session:
        set_role(session, "fin@atom.test", "analyst")
    at.run()

    assert any("(analyst)" in c.value for c in at.sidebar.caption)
