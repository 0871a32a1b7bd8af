"""Copy the operational DB's marketplace tables into the warehouse's ``raw.operational_*`` tables.

The copy is whole, not incremental: these tables are small (thousands of rows) and a full replace in one
DuckDB transaction means dbt never sees a half-updated set (a tenant without its subscriptions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from atom.opdb import Package, PackageVersion, Publisher, Subscription, Tenant, TenantEvent, make_engine
from ingest.raw_schema import create_raw_schema

_TS = pa.timestamp("us")


# raw table -> (select returning columns in the raw table's order, arrow schema of those columns)
def _sources() -> dict[str, tuple[Select[Any], pa.Schema]]:
    return {
        "operational_publishers": (
            select(Publisher.id, Publisher.name, Publisher.created_at).order_by(Publisher.id),
            pa.schema([("publisher_id", pa.string()), ("name", pa.string()), ("created_at", _TS)]),
        ),
        "operational_packages": (
            select(
                Package.id, Package.name, Package.publisher_id, Package.category, Package.created_at
            ).order_by(Package.id),
            pa.schema(
                [
                    ("package_id", pa.string()),
                    ("name", pa.string()),
                    ("publisher_id", pa.string()),
                    ("category", pa.string()),
                    ("created_at", _TS),
                ]
            ),
        ),
        "operational_package_versions": (
            select(
                PackageVersion.package_id,
                PackageVersion.version,
                PackageVersion.status,
                PackageVersion.published_at,
            ).order_by(PackageVersion.package_id, PackageVersion.published_at),
            pa.schema(
                [
                    ("package_id", pa.string()),
                    ("version", pa.string()),
                    ("status", pa.string()),
                    ("published_at", _TS),
                ]
            ),
        ),
        "operational_tenants": (
            select(Tenant.id, Tenant.name, Tenant.segment, Tenant.country, Tenant.created_at).order_by(
                Tenant.id
            ),
            pa.schema(
                [
                    ("tenant_id", pa.string()),
                    ("name", pa.string()),
                    ("segment", pa.string()),
                    ("country", pa.string()),
                    ("created_at", _TS),
                ]
            ),
        ),
        "operational_subscriptions": (
            select(
                Subscription.id,
                Subscription.tenant_id,
                Subscription.plan_id,
                Subscription.is_trial,
                Subscription.started_on,
                Subscription.ended_on,
            ).order_by(Subscription.tenant_id, Subscription.started_on),
            pa.schema(
                [
                    ("subscription_id", pa.string()),
                    ("tenant_id", pa.string()),
                    ("plan_id", pa.string()),
                    ("is_trial", pa.bool_()),
                    ("started_on", pa.date32()),
                    ("ended_on", pa.date32()),
                ]
            ),
        ),
        "operational_tenant_events": (
            select(TenantEvent.tenant_id, TenantEvent.state, TenantEvent.occurred_at).order_by(
                TenantEvent.tenant_id, TenantEvent.occurred_at, TenantEvent.id
            ),
            pa.schema([("tenant_id", pa.string()), ("state", pa.string()), ("occurred_at", _TS)]),
        ),
    }


def _read(session: Session, statement: Select[Any], schema: pa.Schema) -> pa.Table:
    rows = session.execute(statement).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.Table.from_arrays(
        [pa.array(list(values), type=field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def read_operational_tables(database_url: str) -> dict[str, pa.Table]:
    """The operational DB's current rows, shaped as the ``raw.operational_*`` tables, read in one snapshot."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            return {table: _read(session, stmt, schema) for table, (stmt, schema) in _sources().items()}
    finally:
        engine.dispose()


def copy_operational_tables(
    conn: duckdb.DuckDBPyConnection,
    database_url: str,
    on_table: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Replace every ``raw.operational_*`` table with the operational DB's rows; returns rows per table.

    All tables change in one DuckDB transaction: a failure leaves the previous copy whole.
    """
    create_raw_schema(conn)
    tables = read_operational_tables(database_url)
    counts: dict[str, int] = {}
    conn.execute("BEGIN TRANSACTION")
    try:
        for table, data in tables.items():
            view = f"_atom_src_{table}"
            columns = ", ".join(data.schema.names)
            conn.register(view, data)
            try:
                conn.execute(f"DELETE FROM raw.{table}")
                conn.execute(f"INSERT INTO raw.{table} ({columns}) SELECT {columns} FROM {view}")
            finally:
                conn.unregister(view)
            counts[table] = data.num_rows
            if on_table is not None:
                on_table(table, data.num_rows)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return counts
