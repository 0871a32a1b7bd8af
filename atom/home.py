"""What an ``ATOM_HOME`` already holds, and starting it over for a new synthetic marketplace.

``atom generate`` reseeds the catalog (publishers, packages, tenants, plans) and the landing zone. Over a
home that was already built or used, that alone would leave a mixed world: the old warehouse still holds
the previous marketplace's events, and invoices, submissions or API keys still point at the old tenants
and packages (SQLite refuses to delete those rows, so the reseed failed with a foreign-key error). So
generating over such a home is refused with what it holds, unless the caller asks to start over.
"""

from __future__ import annotations

import shutil

from sqlalchemy import MetaData, func, select

from atom.opdb import make_engine
from atom.settings import Settings

# What the generator itself writes and replaces on every run.
GENERATED_TABLES = frozenset(
    {"tenant_events", "subscriptions", "tenants", "package_versions", "packages", "publishers"}
)
_BOOKKEEPING_TABLES = frozenset({"alembic_version"})


def occupied_by(settings: Settings) -> list[str]:
    """What in this home a new marketplace would not replace by itself, one description each."""
    found = [
        f"{name} {path}"
        for name, path in (("warehouse", settings.warehouse_path), ("snapshot", settings.serving_path))
        if path.exists()
    ]
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            for name, table in sorted(metadata.tables.items()):
                if name in GENERATED_TABLES | _BOOKKEEPING_TABLES:
                    continue
                rows = connection.execute(select(func.count()).select_from(table)).scalar_one()
                if rows:
                    found.append(f"{rows:,} row(s) in {name}")
    finally:
        engine.dispose()
    return found


def start_over(settings: Settings) -> None:
    """Delete everything the home holds: warehouse, snapshot, landing zone, artifacts, Dagster's run
    history and every operational table (accounts, keys, invoices, submissions included)."""
    for path in (settings.warehouse_path, settings.serving_path):
        for candidate in (path, path.with_name(path.name + ".wal")):
            candidate.unlink(missing_ok=True)
    for directory in (
        settings.landing_dir,
        settings.rejected_dir,
        settings.artifacts_dir,
        settings.dagster_home,
        settings.dbt_target_dir,
    ):
        shutil.rmtree(directory, ignore_errors=True)
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
    finally:
        engine.dispose()
    settings.ensure_dirs()


def is_initialised(settings: Settings) -> bool:
    """Whether ``atom init`` (or ``atom generate``/``atom demo``) has set this home up: the operational DB
    holds Alembic's bookkeeping. Looked at without creating anything (a SQLite file is not made here)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        from pathlib import Path

        if not Path(path).exists():
            return False
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            from sqlalchemy import inspect

            return inspect(connection).has_table("alembic_version")
    except Exception:
        return False
    finally:
        engine.dispose()
