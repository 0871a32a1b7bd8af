"""Write validated price books (billing/price_book.py) into the warehouse's ``raw.price_book_*`` tables.

Every version at once: each row carries its version's ``effective_from`` (the first day of the first month
it rates; NULL for the file price book, in force from the beginning), and the dbt models pick the version
in force per month (``dbt_project/models/staging/price_book``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from billing.money import minor_units
from billing.periods import parse_period
from billing.price_book import BookVersion, PriceBook
from ingest.raw_schema import RAW_TABLES, create_raw_schema

PRICE_BOOK_TABLES = ("settings", "metrics", "prices", "tiers", "plans")


def write_price_book_tables(conn: duckdb.DuckDBPyConnection, book: PriceBook, source_uri: str) -> None:
    """Replace ``raw.price_book_*`` with the one ``book``, in force from the beginning."""
    version = BookVersion(
        effective_from=None,
        book=book,
        yaml_text="",
        sha256=book.content_sha256,
        source_uri=source_uri,
    )
    write_price_book_versions(conn, [version])


def write_price_book_versions(conn: duckdb.DuckDBPyConnection, versions: Sequence[BookVersion]) -> None:
    """Replace ``raw.price_book_*`` with ``versions`` in one transaction: readers see the old set or the new.

    The tables are recreated, so a warehouse made before versions existed gains ``effective_from``."""
    create_raw_schema(conn)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    conn.execute("BEGIN TRANSACTION")
    try:
        for table in PRICE_BOOK_TABLES:
            name = f"price_book_{table}"
            conn.execute(f"DROP TABLE IF EXISTS raw.{name}")
            conn.execute(f"CREATE TABLE raw.{name} ({RAW_TABLES[name]})")
        for version in versions:
            _insert_version(conn, version, loaded_at)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _insert_version(conn: duckdb.DuckDBPyConnection, version: BookVersion, loaded_at: datetime) -> None:
    book = version.book
    start: date | None = parse_period(version.effective_from) if version.effective_from else None
    digest = version.sha256 or book.content_sha256
    conn.execute(
        "INSERT INTO raw.price_book_settings VALUES (?, ?, ?, ?, ?, ?)",
        [book.currency, minor_units(book.currency), version.source_uri, digest, loaded_at, start],
    )
    _insert_many(
        conn,
        "price_book_metrics",
        [(name, m.aggregation, m.property, start) for name, m in book.metrics.items()],
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
                start,
                p.percentage.rate if p.percentage else None,
                p.percentage.fixed_amount if p.percentage else None,
                p.percentage.per_event_minimum_amount if p.percentage else None,
                p.percentage.per_event_maximum_amount if p.percentage else None,
            )
            for p in book.prices
        ],
    )
    _insert_many(
        conn,
        "price_book_tiers",
        [
            (p.id, i + 1, t.up_to, t.unit_amount or Decimal(0), t.flat_amount or Decimal(0), start)
            for p in book.prices
            for i, t in enumerate(p.tiers or [])
        ],
    )
    _insert_many(conn, "price_book_plans", [(plan.id, plan.amount, start) for plan in book.plans])


def _insert_many(conn: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    # Decimals are bound as text and cast by the column type, so nothing passes through a float.
    placeholders = ", ".join("?" for _ in rows[0])
    conn.executemany(
        f"INSERT INTO raw.{table} VALUES ({placeholders})",
        [[str(v) if isinstance(v, Decimal) else v for v in row] for row in rows],
    )
