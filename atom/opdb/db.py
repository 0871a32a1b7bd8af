"""Engines, sessions and migrations of the operational DB.

SQLite is the default (one file under ATOM_HOME) and shares the file between the API, the portal and
Dagster, so every connection gets WAL (readers do not block the writer), a busy timeout (writers wait
instead of failing at once) and enforced foreign keys (SQLite leaves them off by default).

PostgreSQL (``postgresql+psycopg://``, DESIGN 4) is the production counterpart: its connections are
checked before use (``pool_pre_ping``: a server restart or a proxy that closed an idle connection costs a
reconnect, not a failed request) and recycled after half an hour, under any idle timeout in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from atom.settings import DAGSTER_PG_SCHEMA

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_POOL_RECYCLE_S = 1800


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite connections are set up for concurrent use, PostgreSQL's pool checks
    its connections (see module doc)."""
    if url.startswith(("postgresql", "postgres")):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", POSTGRES_POOL_RECYCLE_S)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back when it raises."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    """Alembic's configuration built in code, so migrations run from any cwd and from an installed package."""
    # Alembic is imported here, not at the top: it is 0.4 s of every process that reads the operational DB
    # (`atom build` fingerprints it before anything else, docs/benchmarks.md "scale"), and only migrations need it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats '%' as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (default: every head, so parallel branches of
    migrations from different areas apply together); a no-op when already there."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if connection.dialect.name == "postgresql":
                # Where Dagster's storage goes when it follows this database (Settings.dagster_postgres_url):
                # a schema of its own, so its tables and its Alembic revisions stay apart from ours.
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{DAGSTER_PG_SCHEMA}"'))
    finally:
        engine.dispose()
