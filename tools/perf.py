"""Server time of every portal page, through Streamlit's AppTest, on the current ``ATOM_HOME``.

    python -m tools.perf [--runs 5]

For each page of :data:`app.navigation.PAGES`, signed in as admin, three figures:
- first: the page's first run in this process with empty caches (includes imports only this page needs,
  e.g. Dagster for the pipeline section: what the first visitor after a server start waits);
- cold: caches cleared again (a new snapshot, or the cache TTL ran out): SQL and operational-DB reads;
- warm: median of ``--runs`` reruns once ``st.cache_data`` holds the results (clicking around).
AppTest runs the script in this process without a browser, so the figures are server time only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from atom.settings import PROJECT_ROOT

APP_FILE = PROJECT_ROOT / "app" / "streamlit_app.py"


def measure(runs: int) -> list[tuple[str, float, float, float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app.navigation import PAGES
    from atom.opdb import make_engine, migrate, session_scope
    from atom.opdb.portal import add_user
    from atom.settings import get_settings

    # The portal reads the role from the operational DB at every run: an OIDC-only (passwordless) admin.
    url = get_settings().database_url
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        perf_account = add_user(session, "perf@atom.local", "admin", None, replace=True).email
    engine.dispose()

    figures = []
    for spec in PAGES:
        at = AppTest.from_file(str(APP_FILE), default_timeout=300)
        at.session_state["atom_identity"] = perf_account
        at.run()  # the default page, so that st.navigation has registered every page
        at.switch_page(f"app_pages/{spec.file}")
        timings = []
        for _ in range(2):
            st.cache_data.clear()
            started = time.perf_counter()
            at.run()
            timings.append(time.perf_counter() - started)
            if at.exception:
                raise RuntimeError(f"{spec.title} failed: {at.exception[0].message}")
        first, cold = timings
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        figures.append((spec.title, first, cold, statistics.median(warm)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| page | first (s) | cold (s) | warm median (s) |\n|---|---:|---:|---:|")
    for title, first, cold, warm in measure(args.runs):
        print(f"| {title} | {first:.3f} | {cold:.3f} | {warm:.3f} |")


if __name__ == "__main__":
    main()
