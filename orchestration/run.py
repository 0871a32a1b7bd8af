"""Run the build job in this process, on the shared Dagster instance, with progress reporting.

``atom build``, ``atom ingest`` and ``atom demo`` come through here, so their runs show up in the
orchestrator's UI beside the scheduled ones (same ``DAGSTER_HOME``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import dagster as dg

from atom.settings import apply_to_process_env, get_settings
from ingest.landing import landing_days
from orchestration.partitions import partition_range_tags

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class BuildSummary:
    run_id: str
    success: bool
    first_day: date
    last_day: date
    materialized: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None


class _ProgressHandler(logging.Handler):
    """Turns Dagster's structured log records into progress callbacks (one tick per asset)."""

    def __init__(self, total: int, progress: ProgressCallback) -> None:
        super().__init__(level=logging.DEBUG)
        self.total = total
        self.done = 0
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None and event.event_type_value == "ASSET_MATERIALIZATION":
            self.done += 1
            key = event.asset_key.to_user_string() if event.asset_key else "asset"
            self.progress(key, min(self.done, self.total), self.total)


@contextmanager
def _quiet_dagster(handler: logging.Handler | None) -> Iterator[None]:
    """Dagster logs every event to the console; the CLI shows a progress bar instead."""
    dagster_logger = logging.getLogger("dagster")
    previous = dagster_logger.propagate, list(dagster_logger.handlers)
    dagster_logger.handlers = [handler] if handler else []
    dagster_logger.propagate = False
    try:
        yield
    finally:
        dagster_logger.propagate, dagster_logger.handlers = previous[0], previous[1]


def default_day_range(today: date | None = None) -> tuple[date, date]:
    """From the first landing day that holds a batch to today (already-loaded batches are skipped)."""
    today = today or datetime.now(UTC).date()
    days = landing_days(get_settings().landing_dir)
    return (min(days[0], today) if days else today), max(days[-1] if days else today, today)


def run_build(
    first_day: date | None = None,
    last_day: date | None = None,
    progress: ProgressCallback | None = None,
    raise_on_error: bool = False,
    job_name: str | None = None,
) -> BuildSummary:
    """Run ``job_name`` (default: the full build) over the daily partitions [first_day, last_day]."""
    settings = get_settings()
    settings.ensure_dirs()
    apply_to_process_env(settings)

    from orchestration.definitions import defs
    from orchestration.defs.build import BUILD_JOB

    default_first, default_last = default_day_range()
    first_day, last_day = first_day or default_first, last_day or default_last
    job = defs.resolve_job_def(job_name or BUILD_JOB)
    total = len(job.asset_layer.selected_asset_keys)
    handler = _ProgressHandler(total, progress) if progress else None
    started = datetime.now(UTC)
    with dg.DagsterInstance.get() as instance, _quiet_dagster(handler):
        result = job.execute_in_process(
            instance=instance, tags=partition_range_tags(first_day, last_day), raise_on_error=raise_on_error
        )
    summary = BuildSummary(
        run_id=result.run_id,
        success=result.success,
        first_day=first_day,
        last_day=last_day,
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key:
            summary.materialized.append(event.asset_key.to_user_string())
            if event.asset_key.path == ["raw", "usage_events"]:
                meta = event.step_materialization_data.materialization.metadata
                summary.usage = {k: int(v.value) for k, v in meta.items() if isinstance(v.value, int)}
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                summary.checks_failed.append(
                    f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                )
        if event.event_type_value == "STEP_FAILURE" and summary.error is None:
            summary.error = f"{event.step_key}: {event.event_specific_data.error.message.strip()}"
    return summary
