"""The portal in a real browser: Debian's Chromium driven by Playwright, against a real Streamlit server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from atom.settings import Settings
from tests.app.conftest import (  # noqa: F401 (fixtures)
    PortalHome,
    portal_home,
    portal_world,
    sample_marts,
    write_serving_snapshot,
)
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)
from tools.screenshots import CHROMIUM, CHROMIUM_ARGS, running_portal, wait_until_rendered

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def signed_in_page(email: str, password: str) -> Iterator[Any]:
    """A Chromium page on a freshly started portal, signed in through the form like a person would."""
    from playwright.sync_api import sync_playwright

    from tools.screenshots import sign_in

    with running_portal(_free_port()) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        sign_in(page, email, password)
        yield page
        browser.close()


def test_overview_renders_tiles_and_charts_in_chromium(portal_home: PortalHome, tmp_path: Path) -> None:  # noqa: F811
    from tests.app.opdb_seed import seed_account

    rows, facts = sample_marts(datetime.now(UTC).date())
    write_serving_snapshot(portal_home.serving, rows)
    seed_account("ana@example.com", "analyst", "numbers-numbers")
    with signed_in_page("ana@example.com", "numbers-numbers") as page:
        text = page.inner_text('[data-testid="stApp"]')
        assert "Revenue this month" in text
        assert f"${facts.revenue_this_month:,.2f}" in text
        assert len(page.query_selector_all(".js-plotly-plot")) >= 3
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert (tmp_path / "overview.png").stat().st_size > 10_000


def test_a_reviewer_signs_in_and_approves_a_queued_package_in_chromium(
    portal_world: PortalHome,  # noqa: F811
    tmp_path: Path,
) -> None:
    from atom.opdb import make_engine, session_scope
    from atom.opdb.registry import AuditLog, Submission
    from atom.settings import get_settings
    from tests.app.opdb_seed import seed_account
    from tools.screenshots import open_page

    seed_account("rita@example.com", "reviewer", "review-all-the-things")
    with signed_in_page("rita@example.com", "review-all-the-things") as page:
        nav = page.inner_text('[data-testid="stSidebarNav"]')
        assert "Review console" in nav and "Billing desk" not in nav, "a reviewer sees no finance pages"

        open_page(page, "Review console")
        assert "slack-notify 1.1.0" in page.inner_text('[data-testid="stApp"]')
        page.get_by_role("button", name="Take this package").click()
        wait_until_rendered(page)
        note = page.get_by_role("textbox", name="Details for the publisher and the audit log")
        note.fill("base64 exec is a test fixture, reviewed by hand")
        note.press("Control+Enter")
        wait_until_rendered(page)
        page.get_by_role("button", name="Approve slack-notify 1.1.0").click()
        page.wait_for_selector("text=The queue is empty", timeout=30_000)
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        submission = session.get(Submission, "sub_2")
        assert submission is not None
        assert (submission.status, submission.reviewed_by) == ("approved", "rita@example.com")
        assert submission.review_reason == "base64 exec is a test fixture, reviewed by hand"
        actions = [a.action for a in session.query(AuditLog).filter(AuditLog.actor == "rita@example.com")]
    engine.dispose()
    assert actions == ["portal.sign_in", "review.lock", "review.approve"]


def test_without_an_orchestrator_the_billing_desk_says_how_to_start_one_in_chromium(
    billing_home: Settings,  # noqa: F811
) -> None:
    """The portal never bills in its own process (a second warehouse writer, DESIGN 2): with no DAGSTER_URL
    the billing desk offers no run and says how to start the orchestrator. Closing a month through a live
    orchestrator: tests/browser/test_billing_through_orchestrator_chromium.py."""
    from atom.opdb import make_engine, session_scope
    from atom.opdb.billing import Invoice
    from tests.app.opdb_seed import seed_account
    from tools.screenshots import open_page

    seed_account("fin@example.com", "finance", "close-the-month")
    with signed_in_page("fin@example.com", "close-the-month") as page:
        open_page(page, "Billing desk")
        text = page.inner_text('[data-testid="stApp"]')
        assert "No orchestrator is configured" in text and "atom orchestrator" in text
        assert page.get_by_role("button", name="Run billing for ").count() == 0

    engine = make_engine(billing_home.database_url)
    with session_scope(engine) as session:
        assert session.query(Invoice).count() == 0, "nothing was finalized"
    engine.dispose()
