"""Identity in a real browser (issue 11, finding 4): a reviewer demoted with `atom users role` while signed
in loses the review console at the next click; single sign-on through a real OpenID Connect provider."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from atom.settings import subprocess_env
from tests.app.conftest import (  # noqa: F401 (fixtures)
    PortalHome,
    portal_home,
    portal_world,
    sample_marts,
    write_serving_snapshot,
)
from tests.browser.conftest import BROWSER_MARKS, free_port, signed_in_page
from tools.screenshots import CHROMIUM, CHROMIUM_ARGS, open_page, running_portal, wait_until_rendered

pytestmark = BROWSER_MARKS


def _app_text(page: Any) -> str:
    return page.inner_text('[data-testid="stApp"]')


def _nav(page: Any) -> str:
    return page.inner_text('[data-testid="stSidebarNav"]')


def test_a_reviewer_demoted_with_the_cli_loses_the_review_console_at_the_next_click(
    portal_world: PortalHome,  # noqa: F811
) -> None:

    from atom.opdb import make_engine, session_scope
    from atom.opdb.portal import ReviewLock
    from atom.settings import get_settings
    from tests.app.opdb_seed import seed_account

    seed_account("rita@example.com", "reviewer", "review-all-the-things")
    with signed_in_page("rita@example.com", "review-all-the-things") as page:
        open_page(page, "Review console")
        assert "slack-notify 1.1.0" in _app_text(page)

        demoted = subprocess.run(
            [sys.executable, "-m", "cli.main", "users", "role", "rita@example.com", "analyst"],
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert demoted.returncode == 0, demoted.stderr

        page.get_by_role("button", name="Take this package").click()  # the next click
        wait_until_rendered(page)

        text, nav = _app_text(page), _nav(page)
        assert "Review console" not in nav and "Governance & pipeline" in nav, nav
        assert "Take this package" not in text and "(analyst)" in text

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        assert session.get(ReviewLock, "sub_2") is None, "the click after the demotion took nothing"
    engine.dispose()


# --- single sign-on --------------------------------------------------------------------------------------


@contextmanager
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1: discovery, authorization form,
    token and userinfo endpoints, signed ID tokens. Its form signs in whatever subject is typed, with
    ``{"email": subject}`` as claims."""
    import werkzeug.serving
    from oidc_provider_mock import app as oidc_app

    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def sso_portal(issuer: str, tmp_path: Path, *, default_role: str | None = None) -> Iterator[str]:
    """The portal with ``[auth]`` pointing at ``issuer`` (Streamlit reads ``.streamlit/secrets.toml``
    from its working directory) and ATOM_OIDC_PROVIDER=default."""
    port = free_port()
    workdir = tmp_path / "portal"
    (workdir / ".streamlit").mkdir(parents=True)
    (workdir / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-test-only-cookie-secret-of-enough-length"\n'
        'client_id = "atom-portal"\n'
        'client_secret = "atom-portal-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
    env = {"ATOM_OIDC_PROVIDER": "default"}
    if default_role is not None:
        env["ATOM_OIDC_DEFAULT_ROLE"] = default_role
    with running_portal(port, cwd=workdir, env=env) as url:
        yield url


def sso_sign_in(page: Any, url: str, subject: str) -> None:
    """Click "Sign in with single sign-on", type ``subject`` on the provider's form, come back."""
    page.goto(url)
    wait_until_rendered(page)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    wait_until_rendered(page)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_single_sign_on_through_a_real_oidc_provider_gives_a_mapped_identity_its_accounts_role(
    portal_world: PortalHome,  # noqa: F811
    tmp_path: Path,
    browser: Any,
) -> None:
    from tests.app.opdb_seed import ensure_account

    ensure_account("fin.sso@example.com", "finance")  # `atom users add --no-password`: OIDC only
    with oidc_provider() as issuer, sso_portal(issuer, tmp_path) as url:
        mapped = browser.new_page(viewport={"width": 1440, "height": 1000})
        sso_sign_in(mapped, url, "fin.sso@example.com")
        page_text, nav = _app_text(mapped), _nav(mapped)
        assert "Signed in as fin.sso@example.com (finance)" in page_text
        assert "Billing desk" in nav and "Review console" not in nav

        stranger = browser.new_context().new_page()  # a second browser, no shared cookie
        sso_sign_in(stranger, url, "stranger@example.com")
        text = _app_text(stranger)
        assert "stranger@example.com signed in with single sign-on but has no portal role" in text
        assert stranger.query_selector('[data-testid="stSidebarNav"]') is None, "no page behind sign-in"

    from sqlalchemy import select

    from atom.opdb import make_engine, session_scope
    from atom.opdb.registry import AuditLog
    from atom.settings import get_settings

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        signed_in = [
            (a.actor, a.details_json)
            for a in session.scalars(select(AuditLog).where(AuditLog.action == "portal.sign_in"))
        ]
    engine.dispose()
    assert signed_in == [("fin.sso@example.com", '{"method": "oidc", "role": "finance"}')]


def test_single_sign_on_with_a_default_role_admits_unknown_identities_but_never_disabled_accounts(
    portal_world: PortalHome,  # noqa: F811
    tmp_path: Path,
    browser: Any,
) -> None:
    from atom.opdb import make_engine, session_scope
    from atom.opdb.portal import disable_user
    from atom.settings import get_settings
    from tests.app.opdb_seed import ensure_account

    ensure_account("gone@example.com", "admin")
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        disable_user(session, "gone@example.com")
    engine.dispose()
    with oidc_provider() as issuer, sso_portal(issuer, tmp_path, default_role="analyst") as url:
        newcomer = browser.new_context().new_page()
        sso_sign_in(newcomer, url, "newcomer@example.com")
        assert "Signed in as newcomer@example.com (analyst)" in _app_text(newcomer)

        disabled = browser.new_context().new_page()
        sso_sign_in(disabled, url, "gone@example.com")
        assert "gone@example.com signed in with single sign-on but has no portal role" in _app_text(disabled)
