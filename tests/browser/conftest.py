"""What every Chromium test shares: its marks, a free loopback port, and a portal page signed in through
the form like a person would."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tools.screenshots import CHROMIUM, CHROMIUM_ARGS, running_portal

# Every module's pytestmark: slow, and skipped (not failed) where Debian's chromium is missing.
BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def signed_in_page(email: str, password: str, env: dict[str, str] | None = None) -> Iterator[Any]:
    """A Chromium page on a freshly started portal (with ``env`` added to its environment), signed in."""
    from playwright.sync_api import sync_playwright

    from tools.screenshots import sign_in

    with running_portal(free_port(), env=env) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url)
            sign_in(page, email, password)
            yield page
        finally:
            browser.close()
