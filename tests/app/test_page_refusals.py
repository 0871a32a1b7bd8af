"""A page is absent for every role that may not see it, and refuses when run anyway.

Kept apart from test_sign_in_and_roles.py, whose tests run on SQLite and PostgreSQL: a refusal happens before
the page reads anything, so the database adds nothing here.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.navigation import PAGES, PAGES_DIR, PageSpec
from atom.opdb.portal import PORTAL_ROLES
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import ensure_account, run_as

REFUSED = [(spec, role) for spec in PAGES for role in PORTAL_ROLES if role not in spec.roles]


def test_some_role_is_refused_some_page() -> None:
    assert REFUSED  # else the test below checks nothing


@pytest.mark.parametrize(("spec", "role"), REFUSED, ids=[f"{s.slug}-{r}" for s, r in REFUSED])
def test_page_is_absent_for_roles_that_may_not_see_it_and_refuses_when_run(
    portal_world: PortalHome, spec: PageSpec, role: str
) -> None:
    at = run_as(role)
    # Not registered with st.navigation for this role: there is no URL that opens it.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"app_pages/{spec.file}")
    # And run on its own (a stale session, a guessed script), the page refuses before reading anything.
    direct = AppTest.from_file(str(PAGES_DIR / spec.file), default_timeout=30)
    direct.session_state["atom_identity"] = ensure_account(f"{role}@atom.test", role)
    direct.run()
    assert [e.value for e in direct.error] == ["Your role may not use this page."]
    assert not direct.metric and not direct.get("plotly_chart")
