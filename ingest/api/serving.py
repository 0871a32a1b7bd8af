"""Reads of the serving snapshot (``settings.serving_path``) for the usage and invoice endpoints.

Each read opens a fresh in-memory DuckDB and ATTACHes the snapshot READ_ONLY, as app/connection.py does:
DuckDB caches database instances per path, so ``connect(path)`` could hand back a replaced snapshot,
while an ATTACH in a new ``:memory:`` instance opens the file at the path now. Opening costs ~2 ms,
negligible beside a request; the snapshot is replaced by rename, so a read never sees half a build.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb


class SnapshotMissing(RuntimeError):
    pass


@contextmanager
def open_snapshot(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.is_file():
        raise SnapshotMissing(f"no serving snapshot at {path} yet: run `atom build` first")
    conn = duckdb.connect(":memory:")
    try:
        conn.execute(f"ATTACH '{_sql_text(str(path))}' AS serving (READ_ONLY)")
        yield conn
    finally:
        conn.close()


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    try:
        cursor = conn.execute(sql, params)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:  # a table or column it lacks
        raise SnapshotMissing(
            f"the serving snapshot predates this version ({exc}): run `atom build` to publish a new one"
        ) from None
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def usage_by_metric(path: Path, tenant_id: str, period: str) -> list[dict[str, Any]]:
    """Events, the metric's aggregation, the month's quantity by it and the summed quantity per metric and
    package, for one tenant and month (``YYYY-MM``; ``marts.fct_usage_monthly``)."""
    with open_snapshot(path) as conn:
        return _rows(
            conn,
            """
            select metric_id as metric, package_id, event_count, aggregation, metric_quantity, quantity
            from serving.marts.fct_usage_monthly
            where tenant_id = ? and period = ?
            order by metric, package_id nulls first
            """,
            [tenant_id, period],
        )


def list_invoices(path: Path, tenant_id: str) -> list[dict[str, Any]]:
    """A tenant's invoices, newest period first.

    For now the draft invoices the last build computed (``marts.fct_invoices``); the billing area
    extends this one function with the finalized invoices of the operational DB.
    """
    with open_snapshot(path) as conn:
        rows = _rows(
            conn,
            """
            select period, 'draft' as status, currency, total_amount, usage_amount, recurring_amount,
                   line_count
            from serving.marts.fct_invoices
            where tenant_id = ?
            order by period desc
            """,
            [tenant_id],
        )
    return [{**row, "number": None} for row in rows]


def decimal_text(value: Decimal | None) -> str | None:
    """Exact decimal text without exponent or needless trailing zeros (money and quantities are strings)."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
