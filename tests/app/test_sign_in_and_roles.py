"""Sign-in and role-based navigation: every page under each role that may see it, and absent for the others."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.navigation import PAGES, PageSpec, pages_for
from atom.opdb import make_engine, session_scope
from atom.opdb.portal import PORTAL_ROLES
from atom.opdb.registry import AuditLog
from atom.settings import get_settings
from tests.app.conftest import PortalHome, run_portal
from tests.app.opdb_seed import run_as, seed_account


@pytest.fixture
def portal_home(opdb_url: str | None, portal_home: PortalHome) -> PortalHome:
    """The portal's operational-DB work, on SQLite and on PostgreSQL (tests/pg.py): the database is
    chosen before the home is seeded."""
    return portal_home


# Each page under each role that may see it, on both databases (the page reads the operational DB); the
# others refuse before reading anything, which test_page_refusals.py checks once.
ALLOWED = [(spec, role) for spec in PAGES for role in PORTAL_ROLES if role in spec.roles]


def _audit(action: str) -> list[AuditLog]:
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.action == action)))
    engine.dispose()
    return rows


def test_signed_out_visitor_sees_only_the_sign_in_form(portal_world: PortalHome) -> None:
    at = run_portal(role=None)

    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to ATOM Marketplace"]
    assert not at.metric, "no business number before sign-in"
    assert {t.label for t in at.text_input} == {"E-mail", "Password"}


def test_sign_in_with_a_local_account_opens_the_overview_and_is_audited(portal_world: PortalHome) -> None:
    seed_account("Finance@Example.com", "finance", "correct horse battery")
    at = run_portal(role=None)
    at.text_input(key="sign_in_email").input("finance@example.com")
    at.text_input(key="sign_in_password").input("correct horse battery")
    at.button[0].click().run()

    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    shown = [c.value.replace("\\", "") for c in at.sidebar.caption]  # the e-mail is markdown-escaped
    assert any("finance@example.com" in c and "(finance)" in c for c in shown)
    (entry,) = _audit("portal.sign_in")
    assert entry.actor == "finance@example.com"
    assert json.loads(entry.details_json) == {"method": "password", "role": "finance"}


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(portal_world: PortalHome) -> None:
    seed_account("analyst@example.com", "analyst", "correct horse battery")
    at = run_portal(role=None)
    at.text_input(key="sign_in_email").input("analyst@example.com")
    at.text_input(key="sign_in_password").input("wrong horse battery")
    at.button[0].click().run()

    assert [t.value for t in at.title] == ["Sign in to ATOM Marketplace"]
    assert any("Wrong e-mail or password" in e.value for e in at.error)
    assert not _audit("portal.sign_in")


def test_sign_out_forgets_the_identity_and_is_audited(portal_world: PortalHome) -> None:
    at = run_as("analyst")
    at.sidebar.button(key="sign_out").click().run()

    assert [t.value for t in at.title] == ["Sign in to ATOM Marketplace"]
    assert [e.actor for e in _audit("portal.sign_out")] == ["analyst@atom.test"]


def test_each_role_sees_exactly_its_pages_in_the_navigation() -> None:
    assert [p.title for p in pages_for("reviewer")] == ["Overview", "Review console", "Governance & pipeline"]
    assert [p.title for p in pages_for("finance")] == [
        "Overview",
        "Revenue",
        "Tenants",
        "Marketplace",
        "Billing desk",
    ]
    assert [p.title for p in pages_for("analyst")] == [
        "Overview",
        "Revenue",
        "Tenants",
        "Marketplace",
        "Governance & pipeline",
    ]
    assert len(pages_for("admin")) == len(PAGES)


@pytest.mark.parametrize(("spec", "role"), ALLOWED, ids=[f"{s.slug}-{r}" for s, r in ALLOWED])
def test_page_renders_for_roles_that_may_see_it(portal_world: PortalHome, spec: PageSpec, role: str) -> None:
    at = run_as(role, spec.file)

    assert not at.exception, [e.message for e in at.exception]
    page_title = spec.title if spec.slug != "governance" else "Governance & pipeline health"
    assert [t.value for t in at.title] == [page_title]
    assert not at.error, [e.value for e in at.error]
