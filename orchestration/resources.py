"""Resources for the outside systems a run touches: the warehouse file and the operational DB.

They are configured from :mod:`atom.settings` (the one reader of the environment) rather than with
``EnvVar``; tests swap them by pointing ``ATOM_HOME`` somewhere else, or by passing their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from atom.settings import get_settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse. Only Dagster runs open it read-write (DESIGN 2)."""

    path: str

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = duckdb.connect(self.path)
        try:
            yield conn
        finally:
            conn.close()


class OperationalDBResource(dg.ConfigurableResource):
    """The operational DB (SQLite by default): the system of record for tenants, packages, plans."""

    url: str


def default_resources() -> dict[str, dg.ConfigurableResource]:
    settings = get_settings()
    return {
        "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
        "operational_db": OperationalDBResource(url=settings.database_url),
    }
