"""/docs and /redoc render in a real browser that may reach nothing but the API (issue 11: Swagger UI came
from a CDN, so offline the page stayed blank)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import LiveServer, make_settings, start_server, stop_server
from tests.browser.conftest import BROWSER_MARKS

CHROMIUM = "/usr/bin/chromium"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(make_settings(tmp_path_factory.mktemp("docs") / "home"))
    try:
        yield live
    finally:
        stop_server(live)


def _offline_page(playwright: Any, origin: str, elsewhere: list[str]) -> Any:
    """A page whose every request to another host is refused and recorded, as on a machine offline."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    page = browser.new_page(viewport={"width": 1440, "height": 1000})

    def only_the_api(route: Any) -> None:
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_api)
    return page


@pytest.mark.parametrize(
    ("page_path", "rendered"),
    [
        ("/docs", '.opblock-summary-path[data-path="/v1/usage"]'),  # Swagger UI's operation rows
        ("/redoc", 'h2:has-text("Report usage events")'),  # ReDoc's heading of the operation
    ],
)
def test_the_api_docs_render_with_no_host_but_the_api(
    server: LiveServer, page_path: str, rendered: str
) -> None:
    from playwright.sync_api import sync_playwright

    origin = urlsplit(server.url).netloc
    elsewhere: list[str] = []
    with sync_playwright() as playwright:
        page = _offline_page(playwright, origin, elsewhere)
        page.goto(f"{server.url}{page_path}")
        page.locator(rendered).first.wait_for(timeout=30_000)
        page.context.browser.close()
    assert elsewhere == [], f"{page_path} reached for {elsewhere}"
