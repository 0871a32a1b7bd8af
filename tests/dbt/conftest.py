"""Helpers to build a real DuckDB warehouse and run the dbt project on it in-process.

A dbt build costs a few seconds, so each test module builds its warehouse once (module-scoped
fixture) and its tests read the marts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunner, dbtRunnerResult

from atom.dbt_cli import seed_partial_parse
from atom.dbt_main import install as install_location_free_parse
from atom.settings import DBT_PROJECT_DIR
from ingest.raw_schema import create_raw_schema


@dataclass(frozen=True)
class Warehouse:
    """A warehouse file with the raw schema; rows go in with :meth:`insert`, results come out with :meth:`rows`."""

    path: Path

    @classmethod
    def create(cls, path: Path) -> Warehouse:
        with duckdb.connect(str(path)) as conn:
            create_raw_schema(conn)
        return cls(path)

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert dict rows into ``raw.<table>``; columns left out are NULL."""
        rows = list(rows)
        if not rows:
            return
        columns = list(rows[0])
        placeholders = ", ".join("?" for _ in columns)
        with duckdb.connect(str(self.path)) as conn:
            conn.executemany(
                f"insert into raw.{table} ({', '.join(columns)}) values ({placeholders})",
                [[row.get(column) for column in columns] for row in rows],
            )

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        # Not read-only: dbt-duckdb keeps its connection open in this process, and DuckDB refuses a
        # second connection to the same file with a different configuration.
        with duckdb.connect(str(self.path)) as conn:
            cursor = conn.execute(sql, list(parameters))
            names = [description[0] for description in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run_dbt(
    warehouse: Warehouse,
    work_dir: Path,
    *,
    command: Sequence[str] = ("build", "--exclude-resource-type", "unit_test"),
    dbt_vars: Mapping[str, Any] | None = None,
    monkeypatch: pytest.MonkeyPatch,
) -> dbtRunnerResult:
    """Run dbt in this process on ``warehouse``; target and logs stay in ``work_dir`` so runs never collide.

    By default a build of every model and data test; the unit tests, which read only their own given rows,
    run once in tests/dbt/test_unit_tests.py.

    Raises with dbt's own failure when the run fails, so a red test shows which model or test broke.
    """
    monkeypatch.setenv("ATOM_WAREHOUSE", str(warehouse.path))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(DBT_PROJECT_DIR))
    args = [
        *command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    seed_partial_parse(work_dir / "target")
    if dbt_vars:
        args += ["--vars", yaml.safe_dump(dict(dbt_vars), default_flow_style=True).strip()]
    install_location_free_parse()  # as the build's atom-dbt parses (atom/dbt_main.py)
    result = dbtRunner().invoke(args)
    if not result.success:
        failures = []
        if result.result is not None and hasattr(result.result, "results"):
            failures = [
                f"{r.node.unique_id}: {r.status} {r.message}"
                for r in result.result.results
                if getattr(r.status, "value", r.status) not in {"success", "pass", "skipped", "warn"}
            ]
        raise AssertionError(f"dbt {' '.join(command)} failed: {result.exception}\n" + "\n".join(failures))
    return result


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterable[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def usd_settings(currency: str = "usd", minor_units: int = 2) -> dict[str, Any]:
    return {
        "currency": currency,
        "minor_units": minor_units,
        "source_uri": "file:///price_book.yaml",
        "content_sha256": "0" * 64,
        "loaded_at": "2026-01-01 00:00:00",
    }


def event(
    event_id: str,
    tenant_id: str,
    metric_id: str,
    occurred_at: str,
    quantity: str | Decimal = "1",
    package_id: str | None = None,
    properties: str | None = None,
) -> dict[str, Any]:
    """A raw.usage_events row; the loader's bookkeeping columns get fixed values."""
    return {
        "event_id": event_id,
        "tenant_id": tenant_id,
        "metric_id": metric_id,
        "quantity": Decimal(quantity),
        "occurred_at": occurred_at,
        "package_id": package_id,
        "properties": properties,
        "batch_id": "batch_1",
        "source_row_number": 0,
        "loaded_at": "2026-03-01 00:00:00",
    }


DECIMAL_PRICE_COLUMNS = {
    "unit_amount",
    "free_units",
    "minimum_amount",
    "revenue_share",
    "transform_divide_by",
}


def price(price_id: str, metric_id: str, billing_scheme: str, **fields: Any) -> dict[str, Any]:
    """A raw.price_book_prices row with the book's defaults (no free units, no minimum, no transform)."""
    row: dict[str, Any] = {
        "price_id": price_id,
        "metric_id": metric_id,
        "package_id": None,
        "billing_scheme": billing_scheme,
        "tiers_mode": None,
        "unit_amount": None,
        "free_units": Decimal(0),
        "minimum_amount": None,
        "revenue_share": None,
        "transform_divide_by": None,
        "transform_round": None,
    }
    unknown = set(fields) - set(row)
    if unknown:
        raise ValueError(f"price(): unknown columns {sorted(unknown)}")
    for key, value in fields.items():
        row[key] = Decimal(value) if key in DECIMAL_PRICE_COLUMNS and value is not None else value
    return row


def tier(
    price_id: str, tier_index: int, up_to: str | None, unit_amount: str, flat_amount: str = "0"
) -> dict[str, Any]:
    return {
        "price_id": price_id,
        "tier_index": tier_index,
        "up_to": None if up_to is None else Decimal(up_to),
        "unit_amount": Decimal(unit_amount),
        "flat_amount": Decimal(flat_amount),
    }
