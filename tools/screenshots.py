"""Screenshots of every portal page in real Chromium, for the README and docs.

    python -m tools.screenshots [--out docs/img] [--port 8599]

Starts the portal on 127.0.0.1 against the current ``ATOM_HOME`` snapshot, signs in, opens each page of
:data:`app.navigation.PAGES` in headless Chromium (Debian's ``chromium``; Playwright never downloads a
browser here), waits for Streamlit to finish rendering and saves ``portal-<page>.png``.

Sign-in: the tool (re)creates its own admin account, ``screenshots@atom.local``, with a fresh random
password on every run and types it into the sign-in form like a person would. No bypass of the sign-in
exists in the portal, so none can be left switched on in production; the account is disabled again when
the tool ends. Pages are then opened through the sidebar links, which keeps the signed-in session
(a full page load would start a new, signed-out one).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atom.settings import PROJECT_ROOT, subprocess_env

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium reaches for Google's services at start-up, which this offline machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def running_portal(port: int, *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """The portal on 127.0.0.1:``port`` (the same command `atom portal` runs), stopped on exit.

    ``cwd`` is where Streamlit looks for ``.streamlit/secrets.toml`` (the ``[auth]`` of single sign-on);
    ``env`` adds variables (``ATOM_OIDC_PROVIDER``) to the portal's environment.
    """
    from cli.services import portal_command, wait_until_up

    (command,) = portal_command("127.0.0.1", port).values()
    process = subprocess.Popen(
        command,
        env=subprocess_env(None, **(env or {})),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_up(f"{url}/_stcore/health", [process], timeout_s=60):
            detail = process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
            raise RuntimeError(f"the portal did not start on {url}: {detail}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_rendered(page, timeout_s: float = 60) -> None:
    """Streamlit renders over a websocket: wait until its "running" widget has been gone for two seconds
    and the number of drawn Plotly charts stopped changing."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    stable, last_charts = 0, -1
    while time.monotonic() < deadline and stable < 4:
        running = page.query_selector('[data-testid="stStatusWidget"]') is not None
        charts = len(page.query_selector_all(".js-plotly-plot .main-svg"))
        stable = stable + 1 if not running and charts == last_charts else 0
        last_charts = charts
        page.wait_for_timeout(500)


SCREENSHOT_ACCOUNT = "screenshots@atom.local"


@contextmanager
def screenshot_account() -> Iterator[tuple[str, str]]:
    """A throw-away admin account for this run: ``(email, password)``; disabled afterwards."""
    import secrets

    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.portal import PortalUser, add_user
    from atom.opdb.registry import utcnow
    from atom.settings import get_settings

    url = get_settings().database_url
    migrate(url)
    engine = make_engine(url)
    password = secrets.token_urlsafe(18)
    try:
        with session_scope(engine) as session:
            add_user(session, SCREENSHOT_ACCOUNT, "admin", password, replace=True)
        yield SCREENSHOT_ACCOUNT, password
    finally:
        with session_scope(engine) as session:
            user = session.get(PortalUser, SCREENSHOT_ACCOUNT)
            if user is not None:
                user.disabled_at = utcnow()
        engine.dispose()


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the portal's sign-in form and wait for the first page behind it."""
    wait_until_rendered(page)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    wait_until_rendered(page)


def open_page(page, title: str) -> None:  # type: ignore[no-untyped-def]
    """Click the sidebar link of a page: client-side navigation keeps the signed-in session."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    wait_until_rendered(page)


def take(out: Path, port: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from app.navigation import PAGES

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with (
        screenshot_account() as (email, password),
        running_portal(port) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        page.goto(url)
        sign_in(page, email, password)
        for spec in PAGES:
            open_page(page, spec.title)
            target = out / f"portal-{spec.slug}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "img")
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    for path in take(args.out, args.port):
        print(path)


if __name__ == "__main__":
    main()
