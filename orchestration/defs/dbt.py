"""The dbt project as Dagster assets: raw sources in, staging/intermediate/marts out.

Asset keys are table addresses (``["marts", "fct_invoice_lines"]``) and dbt sources map onto the raw
ingest assets (``["raw", "usage_events"]``), so the graph joins up without a hand-kept list.
"""

import importlib.metadata
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from atom.dbt_cli import dbt_executable, seed_partial_parse
from atom.freshness import models_changing
from atom.settings import DBT_PROJECT_DIR, apply_to_process_env, get_settings
from atom.spark_lake import export_raw, local_session_problem
from orchestration.areas import dbt_model_area
from orchestration.build_inputs import REFERENCE_TAG
from orchestration.dbt_manifest import ensure_manifest
from orchestration.resources import WarehouseResource
from orchestration.warehouse_turn import WAREHOUSE_POOL

# `atom build --full-refresh`: every model rebuilt from the raw tables, incremental ones included (DESIGN 3.7).
FULL_REFRESH_TAG = "atom/full_refresh"
# A build planned when only batches had landed since the last publish: it selects only the assets that read
# usage or the wall clock (defs/build.py, decision 0092); the dbt step checks that still holds.
USAGE_ONLY_TAG = "atom/usage_only"
# Models that read the wall clock (`utc_now()`), not just the day: rebuilt by every build, as before, so
# their "as of" moves on (tests/orchestration/test_usage_only_builds.py finds every one in the SQL).
WALL_CLOCK_MODELS = [dg.AssetKey(["marts", "fct_submissions"])]
# dbt threads of a usage-only build on DuckDB. Its ~70 nodes (23 models, 48 tests) take 30-300 ms each, much
# of it dbt's own work between queries, so more of them in flight shortens the run although the machine has
# two cores: 10.5-11.8 s against 14.0-16.4 s of dbt's elapsed time at 10M events (decision 0095). A full
# build keeps the profile's 2: its models are heavy, and more at once would only add to the peak memory.
USAGE_ONLY_DBT_THREADS = 4


def check_models_still_as_planned(tags: Mapping[str, str]) -> None:
    """At the start of every dbt run: the record stops vouching for the warehouse's models (they are about
    to change) and, for a usage-only build, must still vouch for the inputs the build was planned on: a
    build that ran in between from other reference data leaves models this one would not rebuild."""
    record = models_changing(get_settings())
    if tags.get(USAGE_ONLY_TAG) != "true":
        return
    planned = tags.get(REFERENCE_TAG)
    if record is None or record.reference is None or record.reference != planned:
        raise dg.Failure(
            "this build was planned to rebuild only what reads usage, but the warehouse's models changed since "
            "it was planned (another build ran); run `atom build` again, which rebuilds what is needed"
        )


class AtomDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["alias"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # intermediate/billing and marts/billing -> group "billing"; staging by the area of its data.
        return dbt_model_area(list(dbt_resource_props.get("fqn", [])))


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    ensure_manifest(project.manifest_path)
    return project


def _build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=AtomDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def atom_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        check_models_still_as_planned(context.run.tags)
        settings = get_settings()
        # dbt-duckdb reads the warehouse path from ATOM_WAREHOUSE, and DBT_TARGET picks the engine's target
        # (profiles.yml).
        apply_to_process_env(settings)
        if settings.atom_engine == "spark":
            if not settings.atom_spark_thrift_url and (problem := local_session_problem(settings.java_home)):
                raise dg.Failure(problem)
            # Spark reads raw as Parquet from the lake (atom/spark_lake.py): 0.6 s for the small demo.
            with warehouse.connect() as conn:
                exported = export_raw(conn, settings.spark_lake)
            context.log.info(f"exported {len(exported)} raw tables to {settings.spark_lake}/raw")
        # One target folder per home and engine, reused by every build: dbt parses only what changed since the
        # last build there (its partial_parse.msgpack; a full parse is 3.3 s more), and nothing piles up in the source
        # tree. Builds of one home never overlap: DuckDB admits one writer.
        target = settings.dbt_target_dir / (
            "build" if settings.atom_engine == "duckdb" else f"build-{settings.dbt_target}"
        )
        seed_partial_parse(target)
        # Unit tests pin the rating logic and run in CI (tests/dbt); data tests guard every build.
        args = ["build", "--exclude-resource-type", "unit_test"]
        if context.run.tags.get(FULL_REFRESH_TAG) == "true":
            # Incremental usage models rebuilt from raw (macros/incremental.sql); the others always are.
            args.append("--full-refresh")
        elif context.run.tags.get(USAGE_ONLY_TAG) == "true" and settings.atom_engine == "duckdb":
            args += ["--threads", str(USAGE_ONLY_DBT_THREADS)]
        yield from dbt.cli(args, context=context, target_path=target).stream()

    return atom_dbt_models


atom_dbt_models = _build_dbt_assets()

MART_KEYS = [key for key in atom_dbt_models.keys if key.path[0] == "marts"]


class AtomDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs that buy this project nothing, measured at 5.1 s
    and 2.9 s per build on the 2-core machine (docs/decisions/0002-one-build-job.md):

    - the dbt version comes from the installed dbt-core package instead of a ``dbt --version`` subprocess
      (the executable is this venv's own dbt, so the two cannot differ);
    - no in-process dbt adapter: dagster-dbt only uses it to fetch row counts and column metadata, which
      these assets do not ask for, and with DuckDB it would also hold back events until dbt exits.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    # The venv's own dbt, so a PATH without the venv (a service manager, a cron job) still works.
    return AtomDbtCliResource(
        project_dir=dbt_project(),  # type: ignore[arg-type]  # DbtCliResource.__init__ takes a DbtProject
        profiles_dir=str(Path(DBT_PROJECT_DIR)),
        dbt_executable=dbt_executable(),
    )


defs = dg.Definitions(assets=[atom_dbt_models], resources={"dbt": dbt_resource()})
