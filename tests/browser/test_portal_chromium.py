"""The portal in a real browser: Debian's Chromium driven by Playwright, against a real Streamlit server."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.screenshots import CHROMIUM, CHROMIUM_ARGS, running_portal, wait_until_rendered
from tests.app.conftest import PortalHome, portal_home, sample_marts, write_serving_snapshot  # noqa: F401 (fixture)

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


def test_overview_renders_tiles_and_charts_in_chromium(portal_home: PortalHome, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    rows, facts = sample_marts(datetime.now(UTC).date())
    write_serving_snapshot(portal_home.serving, rows)
    with running_portal(_free_port()) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(url)
        wait_until_rendered(page)
        text = page.inner_text('[data-testid="stApp"]')
        assert "Revenue this month" in text
        assert f"${facts.revenue_this_month:,.2f}" in text
        assert len(page.query_selector_all(".js-plotly-plot")) >= 3
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        browser.close()
    assert (tmp_path / "overview.png").stat().st_size > 10_000
