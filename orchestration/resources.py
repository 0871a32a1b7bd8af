"""Resources for the outside systems a run touches: the warehouse file and the operational DB.

They are configured from :mod:`atom.settings` (the one reader of the environment) rather than with
``EnvVar``. Left unset, a path is resolved when the run opens it, not when the definitions are
imported, so a test or a CLI call that points ``ATOM_HOME`` elsewhere gets a warehouse of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from atom.settings import get_settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse. Only Dagster runs open it read-write (DESIGN 2)."""

    path: str | None = None

    @property
    def resolved_path(self) -> str:
        return self.path or str(get_settings().warehouse_path)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        conn = duckdb.connect(self.resolved_path)
        try:
            yield conn
        finally:
            conn.close()


class OperationalDBResource(dg.ConfigurableResource):
    """The operational DB (SQLite by default): the system of record for tenants, packages, plans."""

    database_url: str | None = None

    @property
    def url(self) -> str:
        return self.database_url or get_settings().database_url


def default_resources() -> dict[str, dg.ConfigurableResource]:
    return {"warehouse": WarehouseResource(), "operational_db": OperationalDBResource()}
