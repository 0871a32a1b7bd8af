"""The serving snapshot: what the portal and analysts read, republished after every build."""

from datetime import UTC, datetime

import dagster as dg
import duckdb

from atom.serving import publish_snapshot
from atom.settings import get_settings
from atom.spark_lake import load_marts
from orchestration.build_inputs import BuildInputs, record_published
from orchestration.defs.dbt import MART_KEYS
from orchestration.resources import WarehouseResource
from orchestration.warehouse_turn import WAREHOUSE_POOL


@dg.asset(
    key=["serving", "snapshot"],
    group_name="serving",
    pool=WAREHOUSE_POOL,
    deps=MART_KEYS,
    kinds={"duckdb"},
    description="serving.duckdb: a read-only copy of every mart, replaced by atomic rename (DESIGN 2).",
)
def serving_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = get_settings()
    target = settings.serving_path
    if settings.atom_engine == "spark":
        # The marts Spark built come back as Parquet (atom/spark_lake.py); the snapshot is the same DuckDB file.
        with duckdb.connect() as conn:
            load_marts(conn, settings.spark_lake)
            counts = publish_snapshot(conn, target)
    else:
        with warehouse.connect() as conn:
            counts = publish_snapshot(conn, target)
    context.log.info(f"published {len(counts)} tables to {target}")
    run_record = context.instance.get_run_record_by_id(context.run_id)
    started_at = run_record.create_timestamp if run_record else datetime.now(UTC)
    record_published(settings, BuildInputs.from_tags(context.run.tags), context.run_id, started_at)
    return dg.MaterializeResult(
        metadata={"path": str(target), "tables": len(counts), "rows": sum(counts.values()), **counts}
    )


defs = dg.Definitions(assets=[serving_snapshot])
