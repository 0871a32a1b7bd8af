"""What Dagster knows about the pipeline: the latest runs and when each asset was last materialized.

Read straight from the Dagster instance under ``DAGSTER_HOME`` (``$ATOM_HOME/dagster``), the same storage
the orchestrator and ``atom build`` write: no webserver needed. Cached for a minute per instance path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

PIPELINE_TTL = timedelta(minutes=1)


def _when(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC).replace(tzinfo=None) if timestamp else None


@st.cache_data(ttl=PIPELINE_TTL, show_spinner=False)
def recent_runs(dagster_home: str, limit: int = 15) -> pd.DataFrame:
    """``Run, Job, Status, Partition, Started (UTC), Finished (UTC), Seconds``, newest first."""
    columns = ["Run", "Job", "Status", "Partition", "Started (UTC)", "Finished (UTC)", "Seconds"]
    instance = _instance(dagster_home)
    if instance is None:
        return pd.DataFrame(columns=columns)
    with instance:
        records = instance.get_run_records(limit=limit)
    rows = []
    for record in records:
        run = record.dagster_run
        started, finished = _when(record.start_time), _when(record.end_time)
        rows.append(
            {
                "Run": run.run_id[:8],
                "Job": run.job_name,
                "Status": run.status.value,
                "Partition": run.tags.get("dagster/partition", ""),
                "Started (UTC)": started,
                "Finished (UTC)": finished,
                "Seconds": round((finished - started).total_seconds(), 1) if started and finished else None,
            }
        )
    return pd.DataFrame(rows, columns=columns)


@st.cache_data(ttl=PIPELINE_TTL, show_spinner=False)
def asset_freshness(dagster_home: str, now: datetime) -> pd.DataFrame:
    """``Asset, Group, Last materialized (UTC), Age (hours)`` for every asset with a materialization."""
    columns = ["Asset", "Layer", "Last materialized (UTC)", "Age (hours)"]
    instance = _instance(dagster_home)
    if instance is None:
        return pd.DataFrame(columns=columns)
    with instance:
        records = instance.get_asset_records()
    rows = []
    for record in records:
        entry = record.asset_entry
        last = entry.last_materialization
        at = _when(last.timestamp) if last is not None else None
        rows.append(
            {
                "Asset": entry.asset_key.to_user_string(),
                "Layer": entry.asset_key.path[0],
                "Last materialized (UTC)": at,
                "Age (hours)": round((now - at).total_seconds() / 3600, 1) if at else None,
            }
        )
    return pd.DataFrame(rows, columns=columns).sort_values(["Layer", "Asset"], ignore_index=True)


def _instance(dagster_home: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    if not (Path(dagster_home) / "dagster.yaml").exists():
        return None
    import dagster as dg

    return dg.DagsterInstance.from_config(dagster_home)
