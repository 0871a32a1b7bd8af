"""The build job (ingest -> dbt -> serving) and the schedule that keeps the portal fresh."""

from datetime import datetime

import dagster as dg

from orchestration.defs.billing import BILLING_ASSETS
from orchestration.partitions import recent_range_tags
from orchestration.warehouse_turn import WAREHOUSE_TAGS

BUILD_JOB = "build_job"

build_job = dg.define_asset_job(
    BUILD_JOB,
    # Monthly invoicing cannot share a job with daily partitions; it has its own (defs/billing.py).
    selection=dg.AssetSelection.all() - BILLING_ASSETS,
    tags=WAREHOUSE_TAGS,  # one warehouse writer at a time, queued or in-process (warehouse_turn.py)
    description="Everything: price book, operational copy, usage batches of the selected days, dbt, serving.",
)


# Every 30 minutes: a default-scale build takes well under a minute (docs/benchmarks.md), and the
# portal's freshness promise is "within the hour". Each run covers yesterday and today so a batch
# that lands just before midnight is picked up by the first run of the next day.
@dg.schedule(
    job=build_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def build_every_30_minutes(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    now: datetime = context.scheduled_execution_time
    return dg.RunRequest(run_key=now.isoformat(), tags=recent_range_tags(now.date()))


defs = dg.Definitions(jobs=[build_job], schedules=[build_every_30_minutes])
