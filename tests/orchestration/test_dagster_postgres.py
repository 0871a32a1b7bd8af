"""Dagster on PostgreSQL (DESIGN 4): with the operational DB on PostgreSQL, a real build keeps Dagster's
runs, event log and schedules there too (schema ``dagster``), and nothing in the home's SQLite files.

The whole build runs once, on PostgreSQL only: the SQLite instance is what every other build test uses.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest

from atom.settings import DAGSTER_PG_SCHEMA, Settings, dagster_instance_yaml
from orchestration.run import run_build
from tests.orchestration.conftest import generate_small, use_home


def _libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@pytest.mark.slow
def test_a_build_keeps_dagster_runs_and_materializations_in_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_database_url: str
) -> None:
    settings = use_home(monkeypatch, tmp_path / "home", database_url=pg_database_url)
    settings.ensure_dirs()
    assert (settings.dagster_home / "dagster.yaml").read_text() == dagster_instance_yaml(
        settings.dagster_home, postgres=True
    )
    generate_small(settings)  # migrates the operational DB, which makes Dagster's schema

    summary = run_build()
    assert summary.success, summary.error
    assert summary.checks_failed == []

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "usage_events"]))
    assert materialized, "the usage partitions the build loaded"

    with psycopg.connect(_libpq(pg_database_url)) as conn:
        runs = conn.execute(f"select run_id, status from {DAGSTER_PG_SCHEMA}.runs").fetchall()
        materializations = conn.execute(
            f"select count(*) from {DAGSTER_PG_SCHEMA}.event_logs"
            " where dagster_event_type = 'ASSET_MATERIALIZATION'"
        ).fetchone()
        tenants = conn.execute("select count(*) from public.tenants").fetchone()
        ours = conn.execute("select version_num from public.alembic_version").fetchall()
        theirs = conn.execute(f"select version_num from {DAGSTER_PG_SCHEMA}.alembic_version").fetchall()
    assert {run_id for run_id, _ in runs} == set(summary.run_ids)
    assert {status for _, status in runs} == {"SUCCESS"}
    assert materializations is not None and materializations[0] >= len(materialized)
    # The operational DB beside it, its Alembic revisions apart from Dagster's.
    assert tenants is not None and tenants[0] > 0
    assert ours and theirs and not {v for (v,) in ours} & {v for (v,) in theirs}
    # Nothing went to SQLite: no operational file, no Dagster run or event databases in the home.
    assert not (settings.home / "atom.db").exists()
    assert not list(settings.dagster_home.rglob("*.db"))
    # And the warehouse was built from the PostgreSQL operational DB.
    with duckdb.connect(str(settings.serving_path), read_only=True) as wh:
        assert wh.execute("select count(*) from marts.dim_tenants").fetchone() == tenants


def test_dagster_pg_url_wins_and_sqlite_is_the_default(tmp_path: Path) -> None:
    plain = Settings(ATOM_HOME=tmp_path / "plain")  # type: ignore[call-arg]
    assert plain.dagster_postgres_url is None
    plain.ensure_dirs()
    assert "BatchingSqliteEventLogStorage" in (plain.dagster_home / "dagster.yaml").read_text()

    own = Settings(  # type: ignore[call-arg]
        ATOM_HOME=tmp_path / "plain", DAGSTER_PG_URL="postgresql+psycopg://dagster:s3cret@db:5432/dagster"
    )
    assert own.dagster_postgres_url == "postgresql://dagster:s3cret@db:5432/dagster"
    own.ensure_dirs()  # the home's own earlier config is rewritten for the new storage
    written = (own.dagster_home / "dagster.yaml").read_text()
    assert "postgres_url:\n      env: DAGSTER_PG_URL" in written and "s3cret" not in written
    assert "s3cret" not in repr(own)

    following = Settings(  # type: ignore[call-arg]
        ATOM_HOME=tmp_path / "f", ATOM_DATABASE_URL="postgresql+psycopg://atom@db/atom?sslmode=require"
    )
    assert following.dagster_postgres_url == (
        "postgresql://atom@db/atom?sslmode=require&options=-csearch_path%3Ddagster"
    )
