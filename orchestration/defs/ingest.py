"""Ingest assets: the price book, the operational DB copy and the daily usage batches into ``raw.*``."""

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from atom.opdb import make_engine, session_scope
from atom.settings import get_settings
from billing.price_book import all_versions
from ingest.landing import landed_files, set_aside
from ingest.loader import load_files, unreadable_files
from ingest.operational import copy_operational_tables
from ingest.price_book_tables import write_price_book_versions
from ingest.raw_schema import RAW_TABLES, create_raw_schema
from orchestration.areas import raw_table_area
from orchestration.partitions import daily_landing_partitions
from orchestration.resources import OperationalDBResource, WarehouseResource
from orchestration.warehouse_turn import WAREHOUSE_POOL, WAREHOUSE_TAGS

PRICE_BOOK_TABLES = [
    "price_book_settings",
    "price_book_metrics",
    "price_book_prices",
    "price_book_tiers",
    "price_book_plans",
]
# Every raw.operational_* table the copy writes: new areas add theirs to ingest/raw_schema.py only.
OPERATIONAL_TABLES = [table for table in RAW_TABLES if table.startswith("operational_")]
USAGE_TABLES = ["usage_events", "usage_quarantine", "ingest_batches"]
USAGE_KEY = dg.AssetKey(["raw", "usage_events"])


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(conn.execute(sql).fetchall()[0][0])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t), group_name=raw_table_area(t), kinds={"duckdb"}) for t in PRICE_BOOK_TABLES
    ],
    description="Every price-book version (DESIGN 3.2): the file price book, in force from the beginning, and "
    "the versions published to the operational DB, validated and flattened into raw.price_book_* with their "
    "effective_from; dbt rates each month with the version in force.",
    pool=WAREHOUSE_POOL,
)
def price_book(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, operational_db: OperationalDBResource
):
    path = get_settings().price_book_path
    engine = make_engine(operational_db.url)
    try:
        with session_scope(engine) as session:
            versions = all_versions(session, path)
    finally:
        engine.dispose()
    if not versions:
        context.log.warning(
            f"No price book yet (no {path}, no published version): nothing is rated until one is published "
            "(PUT /v1/price-book or atom price-book publish)."
        )
    with warehouse.connect() as conn:
        create_raw_schema(conn)
        write_price_book_versions(conn, versions)
        counts = {t: _scalar(conn, f"select count(*) from raw.{t}") for t in PRICE_BOOK_TABLES}
    sources = ", ".join(f"{v.effective_from or 'beginning'}: {v.source_uri}" for v in versions) or "none"
    for table in PRICE_BOOK_TABLES:
        yield dg.MaterializeResult(
            asset_key=raw_key(table), metadata={"rows": counts[table], "versions": sources}
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t), group_name=raw_table_area(t), kinds={"duckdb", "sqlite"})
        for t in OPERATIONAL_TABLES
    ],
    description="A copy of the operational DB's tenants, plans, publishers and packages, replaced whole.",
    pool=WAREHOUSE_POOL,
)
def operational_tables(warehouse: WarehouseResource, operational_db: OperationalDBResource):
    with warehouse.connect() as conn:
        counts = copy_operational_tables(conn, operational_db.url)
    for table in OPERATIONAL_TABLES:
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata={"rows": counts.get(table, 0)})


def _already_loaded(conn, files: list[Path]) -> set[Path]:
    """Landed files are immutable under unique names, so a recorded source_uri needs no rehashing."""
    recorded = {row[0] for row in conn.execute("select source_uri from raw.ingest_batches").fetchall()}
    return {f for f in files if str(f) in recorded or f.as_uri() in recorded}


RECONCILIATION_CHECK = "batches_reconcile"
ROW_COUNT_CHECK = "loaded_rows_match_batches"
READABLE_CHECK = "landed_files_readable"


# One asset owns the three usage tables (events, quarantine, batches): they are written in one transaction.
# Quarantine and batches appear in the graph as specs that this asset writes as a side effect, not as
# assets of their own: three materialized assets would triple Dagster's per-partition bookkeeping, which
# dominated a six-month backfill (docs/decisions/0002).
@dg.asset(
    key=USAGE_KEY,
    pool=WAREHOUSE_POOL,
    group_name=raw_table_area("usage_events"),
    kinds={"duckdb"},
    deps=[raw_key("price_book_metrics"), raw_key("operational_tenants")],
    check_specs=[
        dg.AssetCheckSpec(
            RECONCILIATION_CHECK,
            asset=USAGE_KEY,
            description="Every batch: received = loaded + duplicates + quarantined.",
        ),
        dg.AssetCheckSpec(
            ROW_COUNT_CHECK,
            asset=USAGE_KEY,
            description="Rows in raw.usage_events per batch equal the batch's recorded `loaded` count.",
        ),
        dg.AssetCheckSpec(
            READABLE_CHECK,
            asset=USAGE_KEY,
            description="Every landed file could be read as usage; unreadable ones are set aside in "
            "landing/rejected/ with their reason (a warning: the other batches load all the same).",
        ),
    ],
    partitions_def=daily_landing_partitions,
    # One run loads a whole range of days: a backfill of six months is one DuckDB session, not 180.
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Usage batches landed on each day (raw.usage_events, raw.usage_quarantine, "
    "raw.ingest_batches): validated, deduplicated, loaded; rejects quarantined with their reason.",
)
def usage_events(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    settings = get_settings()
    days = [date.fromisoformat(key) for key in context.partition_keys]
    files = landed_files(settings.landing_dir, days)
    with warehouse.connect() as conn:
        create_raw_schema(conn)
        done = _already_loaded(conn, files)
        pending = [f for f in files if f not in done]
        context.log.info(f"{len(pending)} new batch(es) of {len(files)} landed on {len(days)} day(s)")
        # A file that cannot be read at all (no header, a missing column, a broken Parquet footer) would
        # stop every later load until someone removed it: it is set aside, whole, with its reason.
        refused = unreadable_files(conn, pending)
        for path, reason in refused.items():
            moved = set_aside(settings.rejected_dir, path, reason)
            context.log.warning(f"set aside unreadable batch {moved}: {reason}")
        readable = [f for f in pending if f not in refused]
        # Nothing new (an empty home just initialised, a quiet day): nothing to load or to check against.
        results = load_files(conn, readable) if readable else []
        unreconciled = _scalar(
            conn,
            "select count(*) from raw.ingest_batches where received <> loaded + duplicates + quarantined",
        )
        mismatched = _scalar(
            conn,
            """
            select count(*) from raw.ingest_batches b
            left join (select batch_id, count(*) as n from raw.usage_events group by batch_id) e using (batch_id)
            where coalesce(e.n, 0) <> b.loaded
            """,
        )
    totals = {
        # Batches this run loaded; a landing day it looked at again also holds batches loaded before.
        "batches": sum(not r.skipped_already_loaded for r in results),
        "batches_already_loaded": sum(r.skipped_already_loaded for r in results),
        "received": sum(r.received for r in results),
        "loaded": sum(r.loaded for r in results),
        "duplicates": sum(r.duplicates for r in results),
        "quarantined": sum(r.quarantined for r in results),
        "unreadable_files": len(refused),
    }
    for result in results:
        for reason, count in result.quarantine_reasons.items():
            totals[f"reason:{reason}"] = totals.get(f"reason:{reason}", 0) + count
    context.log.info(f"usage load: {totals}")
    yield dg.MaterializeResult(metadata=totals)
    yield dg.AssetCheckResult(
        check_name=RECONCILIATION_CHECK,
        passed=unreconciled == 0,
        metadata={"unreconciled_batches": unreconciled},
    )
    yield dg.AssetCheckResult(
        check_name=ROW_COUNT_CHECK,
        passed=mismatched == 0,
        metadata={"mismatched_batches": mismatched},
    )
    yield dg.AssetCheckResult(
        check_name=READABLE_CHECK,
        passed=not refused,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "unreadable_files": len(refused),
            "set_aside_in": str(settings.rejected_dir),
            "reasons": "\n".join(refused.values())[:4000],
        },
    )


usage_side_tables = [
    dg.AssetSpec(
        raw_key(table),
        group_name=raw_table_area(table),
        kinds={"duckdb"},
        deps=[USAGE_KEY],
        description=f"raw.{table}, written by raw/usage_events in the same transaction as the events.",
    )
    for table in USAGE_TABLES
    if raw_key(table) != USAGE_KEY
]

# `atom ingest`: the reference data and the usage batches, nothing downstream (decision 0063). A job of its
# own, in this module, so the CLI can run it from these definitions alone: importing every domain
# (dagster-dbt and the dbt assets above all) cost about 4 s of a command whose DuckDB work is as short.
# It writes the warehouse like the build does, so it carries the same tag and its steps the same pool.
INGEST_JOB = "ingest_job"
ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=dg.AssetSelection.assets(price_book, operational_tables, usage_events),
    tags=WAREHOUSE_TAGS,  # one warehouse writer at a time, queued or in-process (warehouse_turn.py)
    description="Price book, operational copy and the usage batches of the selected days (`atom ingest`); "
    "no dbt, no snapshot.",
)

defs = dg.Definitions(
    assets=[price_book, operational_tables, usage_events, *usage_side_tables], jobs=[ingest_job]
)
