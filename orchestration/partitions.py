"""The daily partitions of usage ingestion: one partition per landing (arrival) day."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from atom.settings import get_settings

# end_offset=1 makes today's partition exist: batches landed today are loadable today, not tomorrow.
daily_landing_partitions = dg.DailyPartitionsDefinition(
    start_date=get_settings().atom_partitions_start, end_offset=1, timezone="UTC"
)

PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags that make one run cover every daily partition in [first, last] (a single-run backfill)."""
    if last < first:
        raise ValueError(f"partition range ends ({last}) before it starts ({first})")
    return {PARTITION_RANGE_START: first.isoformat(), PARTITION_RANGE_END: last.isoformat()}


def recent_range_tags(today: date, days_back: int = 1) -> dict[str, str]:
    """Today and the days before it: a batch landed just before midnight is not left behind."""
    return partition_range_tags(today - timedelta(days=days_back), today)
