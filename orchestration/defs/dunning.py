"""Dunning (issue 15 item 3): once a day, tenants whose finalized invoices stay unpaid move to ``past_due``
(``ATOM_DUNNING_PAST_DUE_DAYS`` after the due date) and then ``suspended`` (``ATOM_DUNNING_SUSPEND_DAYS``
more), and back to ``active`` once they have paid. The rules are billing's (billing/subscriptions.py); each
change is a tenant event and an audit row, so dim_tenants and the portal show it after the next build.

An op, not an asset: it writes the operational DB only, never the warehouse.
"""

import dagster as dg

from atom.clock import today
from atom.opdb import make_engine, session_scope
from atom.settings import get_settings
from billing.subscriptions import run_dunning
from orchestration.resources import OperationalDBResource

DUNNING_JOB = "dunning_job"


@dg.op(description="Move overdue tenants to past_due and suspended, and paying ones back to active.")
def apply_dunning(context: dg.OpExecutionContext, operational_db: OperationalDBResource) -> dg.Output[int]:
    settings = get_settings()
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            changes = run_dunning(
                session,
                today(settings),
                past_due_days=settings.atom_dunning_past_due_days,
                suspend_days=settings.atom_dunning_suspend_days,
            )
    finally:
        engine.dispose()
    for change in changes:
        context.log.info(
            f"{change.tenant_id}: {change.from_state} -> {change.to_state} ({change.days_overdue} days overdue)"
        )
    return dg.Output(
        len(changes),
        metadata={"changes": "\n".join(f"{c.tenant_id}: {c.from_state} -> {c.to_state}" for c in changes)},
    )


@dg.job(name=DUNNING_JOB, description="Dunning: overdue invoices make tenants past_due, then suspended.")
def dunning_job() -> None:
    apply_dunning()


# Daily, after the night's payments have come back through the Stripe webhook.
dunning_daily = dg.ScheduleDefinition(
    job=dunning_job,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(jobs=[dunning_job], schedules=[dunning_daily])
