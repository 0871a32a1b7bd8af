"""Builds whose cost follows what is new (issue 14): a build with nothing new returns at once, new and late
batches re-rate only what they reach and give the marts a full refresh gives, and the sensor builds within
a minute of new data, at most once a minute."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from atom import clock
from atom.freshness import read_record
from atom.settings import Settings
from orchestration.build_inputs import INPUTS_TAG, BuildInputs
from orchestration.defs.build import BUILD_JOB, TRIGGER_TAG, build_on_new_data
from orchestration.defs.dbt import USAGE_ONLY_DBT_THREADS
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)

ATOM = str(Path(sys.executable).parent / "atom")
# Marts that summarise usage, directly or through rating; compared whole after an incremental build and
# after a full refresh.
USAGE_MARTS = (
    "fct_usage_daily",
    "fct_usage_monthly",
    "fct_usage_totals_daily",
    "fct_invoice_lines",
    "fct_invoices",
    "fct_revenue_monthly",
    "fct_tenant_activity",
    "fct_active_tenants_monthly",
    "fct_package_performance_monthly",
)


def atom(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATOM_", "DAGSTER_"))}
    env |= {"ATOM_HOME": str(settings.home), "ATOM_TODAY": clock.today().isoformat()}
    return subprocess.run([ATOM, *args], capture_output=True, text=True, env=env, timeout=900, check=False)


def marts(serving: Path, names: tuple[str, ...] = USAGE_MARTS) -> dict[str, list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as conn:
        return {
            name: sorted(conn.execute(f"select * from marts.{name}").fetchall(), key=repr) for name in names
        }


def all_marts_but_the_clock(serving: Path) -> dict[str, list[tuple]]:
    """Every mart; of fct_submissions (as of the wall clock, rebuilt by every build) its ids and statuses."""
    with duckdb.connect(str(serving), read_only=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        tables = marts(serving, tuple(name for name in names if name != "fct_submissions"))
        tables["fct_submissions"] = sorted(
            conn.execute("select submission_id, status from marts.fct_submissions").fetchall()
        )
    return tables


def assets_built(stderr: str) -> int:
    found = re.search(r"(\d+) assets in", stderr)
    assert found, stderr[-2000:]
    return int(found.group(1))


def land_late_and_repeated_events(settings: Settings) -> Path:
    """Events of an earlier month for tenants that already have usage (late), each twice in the file, and
    events already loaded (repeats): they land today, as a partner's delayed export would."""
    source = next(iter(sorted(settings.landing_dir.rglob("*.parquet"))))
    day = settings.landing_dir / clock.today().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    batch = day / f"late-{uuid.uuid4().hex[:8]}.ndjson"
    late_month = (clock.today().replace(day=1) - timedelta(days=40)).strftime("%Y-%m")
    with duckdb.connect() as conn:
        conn.execute(
            f"""
            copy (
                select id || '_late' as id, tenant_id, metric, quantity,
                       '{late_month}-' || lpad(cast(1 + row_number() over () % 27 as varchar), 2, '0')
                           || 'T12:00:00Z' as timestamp,
                       package_id, properties
                from (select * from read_parquet('{source}') limit 40)
                union all
                select id, tenant_id, metric, quantity, timestamp, package_id, properties
                from (select * from read_parquet('{source}') limit 10)
            ) to '{batch}' (format json)
            """
        )
    lines = batch.read_text().splitlines()
    batch.write_text("\n".join(lines + lines[:5]) + "\n")  # five late events twice in the same batch
    return batch


@pytest.mark.slow
def test_late_batches_build_incrementally_nothing_new_returns_at_once_and_a_full_refresh_agrees(
    billing_home: Settings,  # noqa: F811
) -> None:
    # A copy of the run's shared build (run_build with its inputs recorded, as `atom build` runs it): its
    # incremental models hold every month; a batch of late and repeated events lands.
    land_late_and_repeated_events(billing_home)
    incremental = atom(billing_home, "build")
    assert incremental.returncode == 0, incremental.stderr[-3000:]
    assert "Up to date" not in incremental.stderr
    built = read_record(billing_home)
    assert built is not None and built.run_id
    after_incremental = all_marts_but_the_clock(billing_home.serving_path)
    with duckdb.connect(str(billing_home.serving_path), read_only=True) as conn:
        late = conn.execute(
            "select count(*) from marts.fct_ingest_batches where source_uri like '%late-%'"
        ).fetchone()
    assert late == (1,)
    # Only batches landed, on one run of days: one Dagster run, its dbt with more threads (decision 0095).
    assert "1 Dagster run(s)" in incremental.stderr
    dbt_args = json.loads((billing_home.dbt_target_dir / "build" / "run_results.json").read_text())["args"]
    assert dbt_args["threads"] == USAGE_ONLY_DBT_THREADS

    again = atom(billing_home, "build")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Up to date: nothing landed or changed since the build" in again.stderr
    checked = read_record(billing_home)
    assert checked is not None and checked.run_id == built.run_id and checked.checked_at > built.checked_at

    refreshed = atom(billing_home, "build", "--full-refresh")
    assert refreshed.returncode == 0, refreshed.stderr[-3000:]
    assert "(full refresh)" in refreshed.stderr
    # Only batches landed: the build rebuilt what reads usage (decision 0092), and left the rest as it was.
    assert assets_built(incremental.stderr) < assets_built(refreshed.stderr)
    assert all_marts_but_the_clock(billing_home.serving_path) == after_incremental


def _record_build(instance: dg.DagsterInstance, status: dg.DagsterRunStatus) -> dg.DagsterRun:
    run = dg.DagsterRun(job_name=BUILD_JOB, run_id=str(uuid.uuid4()), status=status)
    return instance.add_run(run)


def test_the_sensor_builds_when_inputs_change_and_not_more_than_once_a_minute(small_home: Settings) -> None:
    with dg.instance_for_test() as instance:
        # A home without a warehouse was never initialised: nothing to build into yet.
        skipped = build_on_new_data(dg.build_sensor_context(instance=instance))
        assert isinstance(skipped, dg.SkipReason) and "atom init" in (skipped.skip_message or "")
        small_home.warehouse_path.touch()

        request = build_on_new_data(dg.build_sensor_context(instance=instance))
        assert isinstance(request, dg.RunRequest)
        assert request.tags[TRIGGER_TAG] == "new-data" and INPUTS_TAG in request.tags
        assert request.tags["dagster/asset_partition_range_end"] == clock.today().isoformat()

        # A build is queued or running: it takes what landed before it; the next tick sees the rest.
        running = _record_build(instance, dg.DagsterRunStatus.STARTED)
        skipped = build_on_new_data(dg.build_sensor_context(instance=instance))
        assert isinstance(skipped, dg.SkipReason) and running.run_id in (skipped.skip_message or "")

        # A build finished seconds ago: at most one build a minute.
        instance.delete_run(running.run_id)
        _record_build(instance, dg.DagsterRunStatus.SUCCESS)
        too_soon = build_on_new_data(dg.build_sensor_context(instance=instance))
        assert isinstance(too_soon, dg.SkipReason) and "at most one a minute" in (too_soon.skip_message or "")


def test_the_sensor_skips_when_the_last_build_read_the_same_inputs(small_home: Settings) -> None:
    from atom.freshness import BuildRecord, write_record

    # As after a build: the warehouse and the snapshot exist (their content is not part of the inputs).
    small_home.warehouse_path.touch()
    small_home.serving_path.touch()
    inputs = BuildInputs.read(small_home)
    write_record(small_home, BuildRecord(inputs.fingerprint, inputs.read_at, inputs.read_at, "run-x"))
    with dg.instance_for_test() as instance:
        result = build_on_new_data(dg.build_sensor_context(instance=instance))
        assert isinstance(result, dg.SkipReason)
        assert "nothing landed or changed" in (result.skip_message or "")

        # A batch lands: the same build inputs no more.
        day = small_home.landing_dir / clock.today().isoformat()
        day.mkdir(parents=True, exist_ok=True)
        (day / "new.ndjson").write_text("{}\n")
        assert isinstance(build_on_new_data(dg.build_sensor_context(instance=instance)), dg.RunRequest)


def test_a_batch_landed_on_a_day_already_loaded_loads_with_the_next_ingest(
    billing_home: Settings,  # noqa: F811
) -> None:
    # A batch written just before midnight on a day an ingest had already loaded, and no build ran the next
    # day: that day is neither today nor yesterday any more. It used to stay in the landing zone, unloaded,
    # while every later build and ingest said all was loaded.
    from ingest.landing import land_bytes
    from orchestration.ingest_run import run_ingest
    from orchestration.run import USAGE_KEY

    day = clock.today() - timedelta(days=4)
    with dg.DagsterInstance.get() as instance:
        assert day.isoformat() in instance.get_materialized_partitions(USAGE_KEY)
    with duckdb.connect(str(billing_home.warehouse_path), read_only=True) as conn:
        (tenant,) = conn.execute("select tenant_id from raw.usage_events limit 1").fetchone()
    event = {"id": "late_on_its_day", "tenant_id": tenant, "metric": "workflow_runs", "quantity": "3"}
    line = json.dumps({**event, "timestamp": f"{day.isoformat()}T23:59:00Z"})
    land_bytes(billing_home.landing_dir, line.encode() + b"\n", ".ndjson", landing_date=day)

    summary = run_ingest()
    assert summary.success, summary.error
    assert day in summary.days and (summary.usage["batches"], summary.usage["loaded"]) == (1, 1)
    with duckdb.connect(str(billing_home.warehouse_path), read_only=True) as conn:
        loaded = conn.execute("select count(*) from raw.usage_events where event_id = 'late_on_its_day'")
        assert loaded.fetchone() == (1,)


def test_the_sensor_reaches_back_to_a_day_a_batch_landed_on_late(small_home: Settings) -> None:
    from atom.freshness import BuildRecord, write_record
    from ingest.landing import land_bytes

    small_home.warehouse_path.touch()
    small_home.serving_path.touch()
    time.sleep(0.1)  # the last build read its inputs after the generator's batches had landed
    inputs = BuildInputs.read(small_home)
    write_record(small_home, BuildRecord(inputs.fingerprint, inputs.read_at, inputs.read_at, "run-x"))
    # A batch written just before midnight four days ago, after that day's build read its inputs, and no
    # build since: the day is not yesterday any more.
    late = clock.today() - timedelta(days=4)
    land_bytes(small_home.landing_dir, b"{}\n", ".ndjson", landing_date=late)
    with dg.instance_for_test() as instance:
        request = build_on_new_data(dg.build_sensor_context(instance=instance))
    assert isinstance(request, dg.RunRequest)
    assert request.tags["dagster/asset_partition_range_start"] == late.isoformat()
    assert request.tags["dagster/asset_partition_range_end"] == clock.today().isoformat()
