"""Screenshots of every portal page in real Chromium, for the README and docs.

    python -m app.screenshots [--out docs/img] [--port 8599]

Starts the portal on 127.0.0.1 against the current ``ATOM_HOME`` snapshot, opens each page of
:data:`app.navigation.PAGES` in headless Chromium (Debian's ``chromium``; Playwright never downloads a
browser here), waits for Streamlit to finish rendering and saves ``portal-<page>.png``.
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
def running_portal(port: int) -> Iterator[str]:
    """The portal on 127.0.0.1:``port`` (the same command `atom portal` runs), stopped on exit."""
    from atom.cli.services import portal_command, wait_until_up

    (command,) = portal_command("127.0.0.1", port).values()
    process = subprocess.Popen(
        command, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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


def take(out: Path, port: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from app.navigation import PAGES

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with running_portal(port) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        for spec in PAGES:
            slug = Path(spec.file).stem
            page.goto(url if spec.default else f"{url}/{slug}")
            wait_until_rendered(page)
            target = out / f"portal-{slug}.png"
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
