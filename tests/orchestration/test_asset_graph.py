"""The asset graph as reviewers see it: a change to keys, groups, dependencies, checks or jobs shows up as
a diff of ``__snapshots__/test_asset_graph.ambr`` in review (``pytest --snapshot-update`` rewrites it).

Beside the snapshot, the naming rules of the house (STYLE, "one name for one thing") as assertions: an
asset key is the table's address, and a group is one of the business areas (orchestration/areas.py).
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.areas import AREAS, SERVING
from orchestration.definitions import defs


def _graph() -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitioned": node.partitions_def is not None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(check.name for check in node.check_keys),
            "pools": sorted(node.pools or ()),
        }
    jobs = {
        job.name: sorted(key.to_user_string() for key in job.asset_layer.selected_asset_keys)
        for job in defs.resolve_all_job_defs()
        if not job.name.startswith("__")
    }
    return {"assets": assets, "jobs": jobs}


def test_asset_graph_matches_the_reviewed_snapshot(snapshot) -> None:
    assert _graph() == snapshot


def test_every_group_is_a_business_area_and_every_key_a_table_address() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in (*AREAS, SERVING), (key, node.group_name)
        assert len(key.path) == 2, key  # schema (or store), table
        assert key.path[0] in ("raw", "staging", "intermediate", "marts", "opdb", "serving"), key


def test_a_dbt_model_is_grouped_by_its_area_folder() -> None:
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["marts", "fct_invoice_lines"])).group_name == "billing"
    assert graph.get(dg.AssetKey(["intermediate", "int_usage_lines_rated"])).group_name == "billing"
    assert graph.get(dg.AssetKey(["marts", "fct_mrr_movements"])).group_name == "finance"
    # Raw tables and their staging models share the area of the rules that own them.
    assert graph.get(dg.AssetKey(["raw", "usage_events"])).group_name == "usage"
    assert graph.get(dg.AssetKey(["staging", "stg_usage__events"])).group_name == "usage"
    assert graph.get(dg.AssetKey(["raw", "operational_submissions"])).group_name == "governance"
    assert graph.get(dg.AssetKey(["staging", "stg_operational__submissions"])).group_name == "governance"
    # The Python assets that finalize invoices sit with the billing models they read.
    assert graph.get(dg.AssetKey(["opdb", "invoices"])).group_name == "billing"


def test_every_step_that_opens_the_warehouse_waits_for_its_one_slot() -> None:
    """DuckDB admits one writer (DESIGN 2, decision 0090): the build's assets and the month's finalization
    are in the pool "warehouse"; Stripe and payouts, which touch only the operational DB, are not."""
    from orchestration.warehouse_turn import WAREHOUSE_POOL, WAREHOUSE_TAGS

    graph = defs.resolve_asset_graph()
    build = defs.resolve_job_def("build_job")
    for key in build.asset_layer.selected_asset_keys:
        assert graph.get(key).pools == {WAREHOUSE_POOL}, key
    assert graph.get(dg.AssetKey(["opdb", "invoices"])).pools == {WAREHOUSE_POOL}
    for table in ("stripe_requests", "partner_payouts"):
        assert not graph.get(dg.AssetKey(["opdb", table])).pools
    for job in ("build_job", "ingest_job", "billing_job"):
        assert WAREHOUSE_TAGS.items() <= defs.resolve_job_def(job).tags.items()
