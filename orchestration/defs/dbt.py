"""The dbt project as Dagster assets: raw sources in, staging/intermediate/marts out.

Asset keys are table addresses (``["marts", "fct_invoice_lines"]``) and dbt sources map onto the raw
ingest assets (``["raw", "usage_events"]``), so the graph joins up without a hand-kept list.
"""

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from atom.dbt_cli import dbt_executable
from atom.settings import DBT_PROJECT_DIR, apply_to_process_env, get_settings
from orchestration.dbt_manifest import ensure_manifest


class AtomDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["identifier"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["alias"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # marts/billing -> group "billing"; staging and intermediate are grouped by their layer.
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] == "marts":
            return fqn[2]
        return fqn[1] if len(fqn) > 1 else None


@cache
def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    ensure_manifest(project.manifest_path)
    return project


def _build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=AtomDbtTranslator())
    def atom_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        # dbt-duckdb reads the warehouse path from ATOM_WAREHOUSE (profiles.yml).
        apply_to_process_env(get_settings())
        # Unit tests pin the rating logic and run in CI (tests/dbt); data tests guard every build.
        yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()

    return atom_dbt_models


atom_dbt_models = _build_dbt_assets()

MART_KEYS = [key for key in atom_dbt_models.keys if key.path[0] == "marts"]


def dbt_resource() -> DbtCliResource:
    # The venv's own dbt, so a PATH without the venv (a service manager, a cron job) still works.
    return DbtCliResource(
        project_dir=dbt_project(), profiles_dir=str(Path(DBT_PROJECT_DIR)), dbt_executable=dbt_executable()
    )


defs = dg.Definitions(assets=[atom_dbt_models], resources={"dbt": dbt_resource()})
