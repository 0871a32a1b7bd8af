"""Finance closes a month from the portal's billing desk, in Chromium, and the run is Dagster's (issue 13
item 5, DESIGN 2): a live `atom orchestrator` (webserver and daemon) and a live portal given its
DAGSTER_URL; the portal submits through GraphQL, the daemon executes the partition, the run is in the
instance with its partition tag."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from atom.settings import Settings
from cli.services import start_orchestrator, stop
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)
from tests.browser.conftest import BROWSER_MARKS, free_port
from tools.screenshots import CHROMIUM, CHROMIUM_ARGS, open_page, running_portal, sign_in

pytestmark = BROWSER_MARKS


def test_finance_closes_a_month_from_the_billing_desk_and_the_run_is_dagsters(
    billing_home: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.app.opdb_seed import seed_account

    seed_account("fin@example.com", "finance", "close-the-month-please")
    dagster_port = free_port()
    dagster_url = f"http://127.0.0.1:{dagster_port}"
    orchestrator = start_orchestrator("127.0.0.1", dagster_port)
    try:
        with (
            running_portal(free_port(), env={"DAGSTER_URL": dagster_url}) as url,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url)
            sign_in(page, "fin@example.com", "close-the-month-please")
            open_page(page, "Billing desk")
            button = page.get_by_role("button", name=re.compile(r"^Run billing for \d{4}-\d{2}$"))
            period = button.inner_text().rsplit(" ", 1)[1]
            button.click()
            # The daemon dequeues the run and executes it in a process of its own: allow for a cold start.
            page.get_by_text(re.compile(r"Dagster run \S+ ended success")).first.wait_for(timeout=300_000)
            text = page.inner_text('[data-testid="stApp"]')
            page.screenshot(path=str(tmp_path / "billing_desk.png"), full_page=True)
            browser.close()
    finally:
        stop(orchestrator)

    run_id = re.search(r"Dagster run (\S+) ended success", text).group(1)  # type: ignore[union-attr]
    with dg.DagsterInstance.from_config(str(billing_home.dagster_home)) as instance:
        runs = instance.get_runs(
            dg.RunsFilter(job_name="billing_job", tags={"dagster/partition": f"{period}-01"})
        )
    assert [(run.run_id, run.status) for run in runs] == [(run_id, dg.DagsterRunStatus.SUCCESS)]
    assert runs[0].tags["atom/warehouse"] == "write"  # the queue's one-writer tag (decision 0090)
    assert "atom/pid" not in runs[0].tags  # launched through the orchestrator, not in a portal process
