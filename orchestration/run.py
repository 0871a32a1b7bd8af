"""Run the build in this process, on the shared Dagster instance, with progress reporting.

``atom build``, ``atom ingest`` and ``atom demo`` come through here, so their runs show up in the
orchestrator's UI beside the scheduled ones (same ``DAGSTER_HOME``).

A build is three runs of the one build job, each on a subset of its assets:
1. ``reference``: the price book and the operational copy (what usage is validated against);
2. ``usage``: the daily usage partitions that still need loading, as one single-run backfill;
3. ``transform``: dbt and the serving snapshot.
Why not one run over all assets: Dagster records a planned event per asset *and partition* before a run
starts. Over a six-month backfill that is 45 assets x 209 days = 9,400 events, about two minutes with the
stock SQLite event log (~13 ms an event); restricted to the usage asset it is 209, which the batching
event log (orchestration/event_log.py) writes in well under a second. A build after only new batches
landed on one run of days is the exception: its three stages are one run, ``build`` (decision 0095). Each
stage's wall time is reported in ``BuildSummary.stage_seconds``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import dagster as dg
from dagster._utils.error import SerializableErrorInfo

from atom import clock
from atom.settings import apply_to_process_env, get_settings
from ingest.landing import landing_days
from orchestration.build_inputs import BuildInputs, days_landed_since_last_build
from orchestration.partitions import partition_range_tags
from orchestration.warehouse_turn import execute_here, in_process_tags, wait_for_turn

ProgressCallback = Callable[[str, int, int], None]
Notify = Callable[[str], None]
USAGE_KEY = dg.AssetKey(["raw", "usage_events"])


@dataclass
class BuildSummary:
    run_ids: list[str] = field(default_factory=list)
    success: bool = True
    days: list[date] = field(default_factory=list)
    materialized: set[str] = field(default_factory=set)
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)  # WARN-severity checks: reported, not fatal
    usage: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage, in run order
    seconds: float = 0.0
    error: str | None = None
    # What the assets logged as warnings (no price book yet, a batch set aside): the runs' console is silent
    # (orchestration/warehouse_turn.py), so the command prints them.
    warnings: list[str] = field(default_factory=list)


@contextmanager
def quiet_console() -> Iterator[None]:
    """Dagster logs every event and dagster-dbt echoes dbt's output; the CLI draws a progress bar instead.

    dbt's output goes to ``<ATOM_HOME>/logs/build.log``; Dagster keeps every event in its run history.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    log_path = get_settings().log_dir / "build.log"
    try:
        with open(log_path, "a", encoding="utf-8") as log, redirect_stdout(log):
            yield
    finally:
        logging.disable(previous)


def days_to_load(materialized: set[str], today: date | None = None) -> list[date]:
    """Landing days never loaded, yesterday and today, where new batches still arrive, and any other day a
    batch reached since the last build (``days_landed_since_last_build``). Looked at again, a day loads its
    new batches and skips those loaded before (the loader's ledger)."""
    today = today or clock.today()
    recent = {today - timedelta(days=1), today}
    settings = get_settings()
    landed = set(landing_days(settings.landing_dir))
    late = set(days_landed_since_last_build(settings))
    return sorted({d for d in landed if d.isoformat() not in materialized} | recent | late)


def contiguous_ranges(days: Sequence[date]) -> list[tuple[date, date]]:
    """[d1, d2, d3, d7] -> [(d1, d3), (d7, d7)]: each range is one single-run backfill."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


ALL_STAGES = ("reference", "usage", "transform")


def run_build(
    progress: ProgressCallback | None = None,
    *,
    stages: Sequence[str] = ALL_STAGES,
    days: Sequence[date] | None = None,
    notify: Notify = lambda _: None,
    full_refresh: bool = False,
    inputs: BuildInputs | None = None,
) -> BuildSummary:
    """Run the build stages in order; stop at the first failed run. Each run first waits for its turn at
    the warehouse (orchestration/warehouse_turn.py), telling ``notify`` what it waits for.

    ``full_refresh`` rebuilds the incremental models from raw; ``inputs`` (orchestration/build_inputs.py)
    is recorded with the snapshot, so the next build can tell when nothing changed."""
    settings = get_settings()
    settings.ensure_dirs()
    apply_to_process_env(settings)

    from orchestration.definitions import defs
    from orchestration.defs.build import BUILD_JOB, usage_only_selection
    from orchestration.defs.dbt import FULL_REFRESH_TAG, USAGE_ONLY_TAG
    from orchestration.defs.ingest import operational_tables, price_book, usage_events

    job = defs.resolve_job_def(BUILD_JOB)
    all_keys = set(job.asset_layer.selected_asset_keys)
    selections = {
        "reference": set(price_book.keys) | set(operational_tables.keys),
        "usage": set(usage_events.keys),
        "transform": {k for k in all_keys if k.path[0] != "raw"},
    }
    # Only batches landed since the last publish: the transform rebuilds what reads usage (decision 0092).
    usage_only = (
        inputs is not None
        and not full_refresh
        and days is None
        and inputs.only_batches_landed_since_last_build(settings)
    )
    if usage_only:
        selections["transform"] &= usage_only_selection(defs.resolve_asset_graph(), all_keys)
    summary = BuildSummary()
    started = datetime.now(UTC)
    with dg.DagsterInstance.get() as instance, quiet_console():
        if "usage" in stages:
            loaded = instance.get_materialized_partitions(USAGE_KEY)
            summary.days = list(days) if days is not None else days_to_load(loaded)
        plan: list[Stage] = []
        ranges = contiguous_ranges(summary.days) if "usage" in stages else []
        if usage_only and tuple(stages) == ALL_STAGES and len(ranges) == 1:
            # Only batches landed, on one run of days (yesterday and today, as a rule): the three stages as
            # one run, as the sensor builds. Each run costs its own start, shard database and planning, a
            # second of a build that has little else to do (decision 0095).
            tags = {**partition_range_tags(*ranges[0]), **(inputs.tags() if inputs else {})}
            tags |= {FULL_REFRESH_TAG: "false", USAGE_ONLY_TAG: "true"}
            plan.append(Stage("build", set().union(*(selections[s] for s in ALL_STAGES)), tags))
        for stage in stages if not plan else ():
            if stage == "usage":
                plan += [Stage("usage", selections["usage"], partition_range_tags(a, b)) for a, b in ranges]
            elif stage == "transform":
                tags = {**(inputs.tags() if inputs else {}), FULL_REFRESH_TAG: str(full_refresh).lower()}
                if usage_only:
                    tags[USAGE_ONLY_TAG] = "true"
                plan.append(Stage(stage, selections[stage], tags))
            else:
                plan.append(Stage(stage, selections[stage], {}))
        total = sum(len(selections[stage]) for stage in stages)
        execute_stages(instance, job, plan, summary, total, progress, notify)
    summary.seconds = (datetime.now(UTC) - started).total_seconds()
    return summary


@dataclass(frozen=True)
class Stage:
    """One run of a plan: its name in the summary, the assets it materializes, its run tags."""

    name: str
    selection: set[dg.AssetKey]
    tags: dict[str, str]


def execute_stages(
    instance: dg.DagsterInstance,
    job: dg.JobDefinition,
    plan: Sequence[Stage],
    summary: BuildSummary,
    total: int,
    progress: ProgressCallback | None,
    notify: Notify,
) -> None:
    """Run each stage of ``plan`` in this process, in order, into ``summary``; stop at the first failed run.
    Each run first waits for its turn at the warehouse (orchestration/warehouse_turn.py)."""
    for stage in plan:
        stage_started = time.perf_counter()
        wait_for_turn(instance, notify)
        run_id = str(uuid.uuid4())  # what dagster._core.utils.make_new_run_id returns
        instance.add_event_listener(run_id, _listener(summary, total, progress))
        result = execute_here(
            job,
            instance=instance,
            run_id=run_id,
            asset_selection=sorted(stage.selection),
            tags={**stage.tags, **in_process_tags(), "atom/stage": stage.name},
            raise_on_error=False,
        )
        summary.run_ids.append(result.run_id)
        summary.stage_seconds[stage.name] = (
            summary.stage_seconds.get(stage.name, 0.0) + time.perf_counter() - stage_started
        )
        _collect(result, summary)
        if not result.success:
            summary.success = False
            break


def _listener(summary: BuildSummary, total: int, progress: ProgressCallback | None) -> Callable:
    def on_event(record: dg.EventLogEntry) -> None:
        event = record.dagster_event
        if event is None:
            level = record.level if isinstance(record.level, int) else logging.getLevelName(record.level)
            if (
                isinstance(level, int)
                and level >= logging.WARNING
                and record.user_message not in summary.warnings
            ):
                summary.warnings.append(record.user_message)
            return
        if progress and event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key:
            key = event.asset_key.to_user_string()
            if key not in summary.materialized:
                summary.materialized.add(key)
            progress(key, min(len(summary.materialized), total), total)

    return on_event


def _collect(result: dg.ExecuteInProcessResult, summary: BuildSummary) -> None:
    usage_counted = False  # a range run repeats the step's metadata on every partition's event
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key:
            summary.materialized.add(event.asset_key.to_user_string())
            if event.asset_key == USAGE_KEY and not usage_counted:
                usage_counted = True
                meta = event.step_materialization_data.materialization.metadata
                for name, value in meta.items():
                    if isinstance(value.value, int):
                        summary.usage[name] = summary.usage.get(name, 0) + value.value
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if isinstance(evaluation, dg.AssetCheckEvaluation) and not evaluation.passed:
                name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                if evaluation.severity == dg.AssetCheckSeverity.WARN:
                    summary.checks_warned.append(name)
                else:
                    summary.checks_failed.append(name)
        elif event.event_type_value == "STEP_FAILURE" and summary.error is None:
            summary.error = f"{event.step_key}: {_root_message(event.step_failure_data.error)}"


def _root_message(error: SerializableErrorInfo | None) -> str:
    """What went wrong in a failed step, in the asset's own words: Dagster wraps an exception raised by an
    asset in "Error occurred while executing op ...", which names the step but not the reason."""
    if error is None:
        return "failed"
    while error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message.strip()
