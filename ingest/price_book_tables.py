"""Write a validated price book (billing/price_book.py) into the warehouse's ``raw.price_book_*`` tables."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb

from billing.money import minor_units
from billing.price_book import PriceBook
from ingest.raw_schema import create_raw_schema


def write_price_book_tables(conn: duckdb.DuckDBPyConnection, book: PriceBook, source_uri: str) -> None:
    """Replace ``raw.price_book_*`` with ``book`` in one transaction: readers see the old book or the new one."""
    create_raw_schema(conn)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    digest = book.content_sha256 or hashlib.sha256(book.model_dump_json().encode()).hexdigest()
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in ("settings", "metrics", "prices", "tiers", "plans"):
            conn.execute(f"DELETE FROM raw.price_book_{table}")
        conn.execute(
            "INSERT INTO raw.price_book_settings VALUES (?, ?, ?, ?, ?)",
            [book.currency, minor_units(book.currency), source_uri, digest, loaded_at],
        )
        _insert_many(
            conn,
            "price_book_metrics",
            [(name, m.aggregation, m.property) for name, m in book.metrics.items()],
        )
        _insert_many(
            conn,
            "price_book_prices",
            [
                (
                    p.id,
                    p.metric,
                    p.package_id,
                    p.billing_scheme,
                    p.tiers_mode,
                    p.unit_amount,
                    p.free_units,
                    p.minimum_amount,
                    p.revenue_share,
                    p.transform_quantity.divide_by if p.transform_quantity else None,
                    p.transform_quantity.round if p.transform_quantity else None,
                )
                for p in book.prices
            ],
        )
        _insert_many(
            conn,
            "price_book_tiers",
            [
                (p.id, i + 1, t.up_to, t.unit_amount or Decimal(0), t.flat_amount or Decimal(0))
                for p in book.prices
                for i, t in enumerate(p.tiers or [])
            ],
        )
        _insert_many(conn, "price_book_plans", [(plan.id, plan.amount) for plan in book.plans])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _insert_many(conn: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    # Decimals are bound as text and cast by the column type, so nothing passes through a float.
    placeholders = ", ".join("?" for _ in rows[0])
    conn.executemany(
        f"INSERT INTO raw.{table} VALUES ({placeholders})",
        [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows],
    )
