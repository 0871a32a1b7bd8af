"""The build job (ingest -> dbt -> serving), the sensor that keeps the portal within a minute of intake,
and the schedule that catches what the sensor does not watch for long."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

import dagster as dg
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

from atom import clock
from atom.freshness import FRESHNESS_OBJECTIVE_SECONDS
from atom.settings import Settings, get_settings
from orchestration.build_inputs import BuildInputs, days_landed_since_last_build
from orchestration.defs.billing import BILLING_ASSETS
from orchestration.defs.dbt import USAGE_ONLY_TAG, WALL_CLOCK_MODELS
from orchestration.defs.ingest import USAGE_KEY, operational_tables, price_book
from orchestration.partitions import recent_range_tags
from orchestration.warehouse_turn import WAREHOUSE_TAGS

BUILD_JOB = "build_job"
TRIGGER_TAG = "atom/trigger"

build_job = dg.define_asset_job(
    BUILD_JOB,
    # Monthly invoicing cannot share a job with daily partitions; it has its own (defs/billing.py).
    selection=dg.AssetSelection.all() - BILLING_ASSETS,
    tags=WAREHOUSE_TAGS,  # one warehouse writer at a time, queued or in-process (warehouse_turn.py)
    # Its steps run one after another (the warehouse pool has one slot): in one process, as `atom build`
    # runs them, rather than a Python process per step importing Dagster and the definitions, which was
    # half of each sensor build at 10M events (docs/benchmarks.md, latency).
    executor_def=dg.in_process_executor,
    description="Everything: price book, operational copy, usage batches of the selected days, dbt, serving.",
)


def usage_only_selection(asset_graph: BaseAssetGraph, keys: Iterable[dg.AssetKey]) -> set[dg.AssetKey]:
    """Of ``keys``, what a build must materialize when only batches landed since the last publish
    (decision 0092): the reference data (copied again, so raw matches the operational DB the models were
    built from), the usage batches, everything downstream of them, and the models that read the wall
    clock. The rest reads only reference data that did not change: rebuilt, it would be the same."""
    needed = (
        dg.AssetSelection.assets(price_book, operational_tables)
        | dg.AssetSelection.assets(USAGE_KEY, *WALL_CLOCK_MODELS).downstream()
    )
    return set(keys) & needed.resolve(asset_graph)


# At most one sensor build a minute (issue 14 item 3): a steady stream of batches never queues builds behind
# each other. Intake reaches the portal within a tick, the wait for the minute and one build; at the default
# scale that is about a minute, at 10M events more (docs/benchmarks.md, latency).
SENSOR_TICK_SECONDS = 15
SENSOR_MIN_SECONDS_BETWEEN_BUILDS = FRESHNESS_OBJECTIVE_SECONDS


def _build_request(
    today: date, trigger: str, repository: dg.RepositoryDefinition | None = None
) -> dg.RunRequest | dg.SkipReason:
    """A build of yesterday's and today's landing days (and back to a day a batch reached late, see
    ``_days_back``), or a skip when nothing changed since the last build (orchestration/build_inputs.py):
    same batches, operational DB, price book, project and day. When only batches landed, the build selects
    what reads them (``usage_only_selection``)."""
    settings = get_settings()
    if not settings.warehouse_path.exists():
        return dg.SkipReason("no warehouse yet: `atom init` (or a first `atom build`) makes it")
    inputs = BuildInputs.read(settings)
    if inputs.unchanged_since_last_build(settings) is not None:
        return dg.SkipReason("nothing landed or changed since the last build")
    tags = {**recent_range_tags(today, _days_back(settings, today)), **inputs.tags(), TRIGGER_TAG: trigger}
    if repository is not None and inputs.only_batches_landed_since_last_build(settings):
        job_keys = repository.get_job(BUILD_JOB).asset_layer.selected_asset_keys
        return dg.RunRequest(
            tags={**tags, USAGE_ONLY_TAG: "true"},
            asset_selection=sorted(usage_only_selection(repository.asset_graph, job_keys)),
        )
    return dg.RunRequest(tags=tags)


def _days_back(settings: Settings, today: date) -> int:
    """How far back the build's days reach: to yesterday, or to the oldest day a batch reached since the last
    build (``days_landed_since_last_build``). The gap is as long as builds stopped: every batch lands on its
    day's today."""
    late = days_landed_since_last_build(settings)
    first = date.fromisoformat(settings.atom_partitions_start)  # no partition before it
    oldest = min((day for day in late if first <= day <= today), default=today)
    return max(1, (today - oldest).days)


@dg.sensor(
    job=build_job,
    minimum_interval_seconds=SENSOR_TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Builds when new batches land (or the operational DB, the price book or the day changed), "
    f"at most once every {SENSOR_MIN_SECONDS_BETWEEN_BUILDS} s and never while a build is queued or running.",
)
def build_on_new_data(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    instance = context.instance
    active = instance.get_runs(
        dg.RunsFilter(job_name=BUILD_JOB, statuses=list(IN_PROGRESS_RUN_STATUSES)), limit=1
    )
    if active:
        return dg.SkipReason(
            f"build {active[0].run_id} is queued or running; what it misses, the next tick sees"
        )
    now = datetime.now(UTC)
    latest = instance.get_run_records(dg.RunsFilter(job_name=BUILD_JOB), limit=1)
    if latest:
        elapsed = (now - latest[0].create_timestamp).total_seconds()
        if elapsed < SENSOR_MIN_SECONDS_BETWEEN_BUILDS:
            return dg.SkipReason(f"the last build started {elapsed:.0f} s ago: at most one a minute")
    # the platform's day (ATOM_TODAY aware)
    return _build_request(clock.today(), "new-data", context.repository_def)


# Every 30 minutes, a safety net for when the sensor is stopped: a build with nothing new is skipped. Each
# run covers yesterday and today so a batch that lands just before midnight is picked up the next day.
@dg.schedule(
    job=build_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def build_every_30_minutes(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    now: datetime = context.scheduled_execution_time
    try:
        repository = context.repository_def
    except dg.DagsterInvariantViolationError:  # a context built without definitions (tests): no selection
        repository = None
    request = _build_request(now.date(), "schedule", repository)
    if isinstance(request, dg.RunRequest):
        return request.with_replaced_attrs(run_key=now.isoformat())
    return request


defs = dg.Definitions(jobs=[build_job], schedules=[build_every_30_minutes], sensors=[build_on_new_data])
