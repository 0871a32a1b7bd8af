"""``atom ingest``: the ingest job, run in this process on the shared Dagster instance (decision 0063).

The same work as the first two stages of a build (orchestration/run.py): the reference data (price book,
operational copy) and the usage partitions that still need loading. It is its own job, ``ingest_job``
of orchestration/defs/ingest.py, resolved from the ingest definitions alone: importing every domain
(dagster-dbt and the dbt assets above all) cost about 4 s of a command whose DuckDB work, for a 1M-event
file, is shorter than that. The runs are real Dagster runs in the instance the orchestrator reads, tagged
``atom/warehouse`` and with every step in the ``warehouse`` pool, so they take turns with builds and
billing runs exactly as a build does (orchestration/warehouse_turn.py).

One run, not two: the reference assets are unpartitioned, so adding them to the usage run adds a few
planned events, not one per asset and day (the reason a build splits its stages); a second run cost
about a second of run creation, event writes and a second wait for the warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import dagster as dg

from atom.settings import apply_to_process_env, get_settings
from orchestration.partitions import partition_range_tags
from orchestration.run import (
    USAGE_KEY,
    BuildSummary,
    Notify,
    ProgressCallback,
    Stage,
    contiguous_ranges,
    days_to_load,
    execute_stages,
    quiet_console,
)


@cache
def ingest_job() -> dg.JobDefinition:
    """The ingest job with its resources, from orchestration/defs/ingest.py only."""
    from orchestration.defs import ingest
    from orchestration.resources import default_resources

    defs = dg.Definitions.merge(ingest.defs, dg.Definitions(resources=default_resources()))
    return defs.resolve_job_def(ingest.INGEST_JOB)


def run_ingest(progress: ProgressCallback | None = None, *, notify: Notify = lambda _: None) -> BuildSummary:
    """Load the reference data and every usage day that still needs loading; stop at the first failed
    run. Each run first waits for its turn at the warehouse, telling ``notify`` what it waits for."""
    from orchestration.defs.ingest import operational_tables, price_book, usage_events

    settings = get_settings()
    settings.ensure_dirs()
    apply_to_process_env(settings)
    job = ingest_job()
    reference = set(price_book.keys) | set(operational_tables.keys)
    usage = set(usage_events.keys)
    summary = BuildSummary()
    started = datetime.now(UTC)
    with dg.DagsterInstance.get() as instance, quiet_console():
        summary.days = days_to_load(instance.get_materialized_partitions(USAGE_KEY))
        ranges = contiguous_ranges(summary.days)
        # The reference data go with the first range (or alone when no day is to load).
        plan = [Stage("ingest", reference | usage, partition_range_tags(*ranges[0]))] if ranges else []
        plan = plan or [Stage("ingest", reference, {})]
        plan += [Stage("ingest", usage, partition_range_tags(a, b)) for a, b in ranges[1:]]
        total = len(reference | usage) if ranges else len(reference)
        execute_stages(instance, job, plan, summary, total, progress, notify)
    summary.seconds = (datetime.now(UTC) - started).total_seconds()
    return summary
