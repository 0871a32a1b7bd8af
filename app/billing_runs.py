"""Launch the monthly billing partition from the portal, the way ``atom billing run`` does.

The run is submitted to the orchestrator at ``DAGSTER_URL`` through Dagster's GraphQL API
(``dagster-graphql``'s client) and the portal polls its status: the orchestrator's daemon executes it and
the run shows in Dagster's UI. The portal never runs billing in its own process: that would make it a
second writer of the warehouse (DESIGN 2). Without ``DAGSTER_URL`` it says how to start the orchestrator.

The job's name and partition key are Dagster's (orchestration/defs/billing.py), repeated here because the
portal may not import the orchestration layer; tests/app/test_business_pages.py holds the two together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from atom.settings import get_settings
from billing.periods import PeriodError, month_has_ended, not_ended_message

Progress = Callable[[str], None]
# Dagster's names for the monthly billing run (orchestration/defs/billing.py: BILLING_JOB, partition_of_period).
BILLING_JOB = "billing_job"
NO_ORCHESTRATOR = (
    "No orchestrator is configured (DAGSTER_URL is not set): start one with `atom orchestrator` and give the "
    "portal its address (`atom demo` does both), or run `atom billing run --period YYYY-MM` from a shell."
)
POLL_SECONDS = 2.0
TIMEOUT_SECONDS = 30 * 60


@dataclass(frozen=True)
class BillingLaunch:
    period: str
    via: str  # "dagster" (GraphQL), or "-" when nothing was launched
    run_id: str | None
    success: bool
    message: str


def launch_billing(period: str, progress: Progress = lambda _: None) -> BillingLaunch:
    """Run billing for ``period`` (a past month); never raises for a failed run, says why instead."""
    try:
        ended = month_has_ended(period)
    except PeriodError as exc:
        return BillingLaunch(period, "-", None, False, str(exc))
    if not ended:
        return BillingLaunch(period, "-", None, False, not_ended_message(period))
    url = get_settings().dagster_url
    if not url:
        return BillingLaunch(period, "-", None, False, NO_ORCHESTRATOR)
    return _via_graphql(url, period, progress)


def _via_graphql(url: str, period: str, progress: Progress) -> BillingLaunch:
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    parsed = urlparse(url)
    client = DagsterGraphQLClient(
        parsed.hostname or "127.0.0.1",
        port_number=parsed.port,
        use_https=parsed.scheme == "https",
    )
    try:
        run_id = client.submit_job_execution(BILLING_JOB, tags={"dagster/partition": partition_key(period)})
    except DagsterGraphQLClientError as exc:
        return BillingLaunch(period, "dagster", None, False, f"Dagster at {url} refused the run: {exc}")
    progress(f"Submitted run {run_id} to Dagster at {url}; waiting for it to finish…")
    deadline = time.monotonic() + TIMEOUT_SECONDS
    status = "QUEUED"
    while time.monotonic() < deadline:
        status = str(client.get_run_status(run_id).value)
        progress(f"Run {run_id}: {status.lower()}")
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(POLL_SECONDS)
    success = status == "SUCCESS"
    return BillingLaunch(
        period,
        "dagster",
        run_id,
        success,
        f"Dagster run {run_id} ended {status.lower()}; details in Dagster's UI at {url}/runs/{run_id}.",
    )


def partition_key(period: str) -> str:
    """'2026-10' -> '2026-10-01', the monthly partition key of ``billing_job``."""
    return f"{period}-01"
