"""The portal in a real browser: Debian's Chromium driven by Playwright, against a real Streamlit server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from atom.settings import Settings
from tests.app.conftest import (  # noqa: F401 (fixtures)
    PortalHome,
    portal_home,
    portal_world,
    sample_marts,
    write_serving_snapshot,
)
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)
from tests.browser.conftest import BROWSER_MARKS, signed_in_page
from tools.screenshots import wait_until_rendered

pytestmark = BROWSER_MARKS


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
        page.get_by_role("button", name="Approve: slack-notify 1.1.0").click()
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
