"""The serving snapshot: what the portal and analysts read, republished after every build."""

import dagster as dg

from atom.serving import publish_snapshot
from atom.settings import get_settings
from orchestration.defs.dbt import MART_KEYS
from orchestration.resources import WarehouseResource


@dg.asset(
    key=["serving", "snapshot"],
    group_name="serving",
    deps=MART_KEYS,
    kinds={"duckdb"},
    description="serving.duckdb: a read-only copy of every mart, replaced by atomic rename (DESIGN 2).",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = get_settings().serving_path
    with warehouse.connect() as conn:
        counts = publish_snapshot(conn, target)
    context.log.info(f"published {len(counts)} tables to {target}")
    return dg.MaterializeResult(
        metadata={"path": str(target), "tables": len(counts), "rows": sum(counts.values()), **counts}
    )


defs = dg.Definitions(assets=[serving_snapshot])
