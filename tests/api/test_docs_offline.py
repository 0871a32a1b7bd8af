"""/docs and /redoc work on a machine without internet: every script, stylesheet and icon they reference is
served by the API itself (issue 11: Swagger UI used to come from a CDN, a blank page offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.api.conftest import LiveServer, make_settings, start_server, stop_server


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    # URLs written into inline scripts (the spec's url, the OAuth2 redirect) count too.
    inline = re.findall(r"""['"]((?:https?:)?//[^'"]+)['"]""", html)
    return parser.urls + inline


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(make_settings(tmp_path_factory.mktemp("docs") / "home"))
    try:
        yield live
    finally:
        stop_server(live)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_reference_only_files_the_api_serves_itself(server: LiveServer, page: str) -> None:
    origin = urlsplit(server.url).netloc
    with httpx.Client(base_url=server.url, timeout=30) as http:
        response = http.get(page)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        # The browser itself refuses anything from elsewhere (ReDoc's sidebar links Redocly's logo from a CDN).
        assert "default-src 'self'" in response.headers["content-security-policy"]
        references = _references(response.text)
        assert any(ref.endswith(".js") for ref in references), references
        for ref in references:
            url = urljoin(f"{server.url}{page}", ref)
            assert urlsplit(url).netloc == origin, f"{page} loads {ref} from another host"
            asset = http.get(url)
            assert asset.status_code == 200 and asset.content, f"{page}: {ref} answered {asset.status_code}"


def test_swagger_ui_gets_the_spec_it_is_pointed_at(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        html = http.get("/docs").text
        assert "url: '/openapi.json'" in html
        assert http.get("/openapi.json").json()["info"]["title"].startswith("ATOM")
