"""Launch the monthly billing partition from the portal, the way ``atom billing run`` does.

With ``DAGSTER_URL`` set, the run is submitted to that Dagster webserver through its GraphQL API
(``dagster-graphql``'s client) and the portal polls its status: the orchestrator's daemon executes it and
the run shows in Dagster's UI. Without it, the portal calls the billing engineer's
``orchestration.defs.billing.run_billing_partition`` in its own process, exactly what the CLI calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from atom.settings import get_settings

Progress = Callable[[str], None]
POLL_SECONDS = 2.0
TIMEOUT_SECONDS = 30 * 60


@dataclass(frozen=True)
class BillingLaunch:
    period: str
    via: str  # "dagster" (GraphQL) or "in-process"
    run_id: str | None
    success: bool
    message: str


def launch_billing(period: str, today_period: str, progress: Progress = lambda _: None) -> BillingLaunch:
    """Run billing for ``period`` (a past month); never raises for a failed run, says why instead."""
    from atom.billing.periods import PeriodError, parse_period

    try:
        parse_period(period)
    except PeriodError as exc:
        return BillingLaunch(period, "-", None, False, str(exc))
    if period >= today_period:
        return BillingLaunch(
            period, "-", None, False, f"{period} has not ended yet: only past months can be finalized."
        )
    url = get_settings().dagster_url
    if url:
        return _via_graphql(url, period, progress)
    return _in_process(period, progress)


def _in_process(period: str, progress: Progress) -> BillingLaunch:
    from orchestration.defs.billing import run_billing_partition
    from orchestration.run import _quiet_console

    progress(f"Running billing_job for {period} in the portal's process (DAGSTER_URL is not set)…")
    try:
        with _quiet_console():
            summary = run_billing_partition(period)
    except ValueError as exc:
        return BillingLaunch(period, "in-process", None, False, str(exc))
    invoices = summary.metadata.get("opdb/invoices", {})
    stripe = summary.metadata.get("opdb/stripe_requests", {})
    if not summary.success:
        return BillingLaunch(period, "in-process", summary.run_id, False, f"run failed: {summary.error}")
    state = "finalized" if invoices.get("newly_finalized") else "already closed, unchanged"
    message = (
        f"{period}: {invoices.get('invoices', 0)} invoice(s), {invoices.get('credit_notes', 0)} credit note(s) "
        f"({state}); Stripe ({stripe.get('mode')}): {stripe.get('requests_sent', 0)} request(s) sent."
    )
    if summary.checks_failed:
        return BillingLaunch(
            period,
            "in-process",
            summary.run_id,
            False,
            message + " Checks failed: " + ", ".join(summary.checks_failed),
        )
    return BillingLaunch(period, "in-process", summary.run_id, True, message)


def _via_graphql(url: str, period: str, progress: Progress) -> BillingLaunch:
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    from orchestration.defs.billing import BILLING_JOB, partition_of_period

    parsed = urlparse(url)
    client = DagsterGraphQLClient(
        parsed.hostname or "127.0.0.1",
        port_number=parsed.port,
        use_https=parsed.scheme == "https",
    )
    try:
        run_id = client.submit_job_execution(
            BILLING_JOB, tags={"dagster/partition": partition_of_period(period)}
        )
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
