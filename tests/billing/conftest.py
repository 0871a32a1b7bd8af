"""One built small marketplace per test run, copied into a fresh ATOM_HOME for each test.

A full build costs ~40 s on the shared cores; copying the built home costs well under a second. The SQLite
home is built once for the whole run: the first xdist worker to need it builds it under a file lock in the
run's shared temporary directory, the other waits for it instead of building its own beside it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from atom.settings import Settings, reset_settings_cache
from tests.orchestration.conftest import generate_small, use_home
from tests.pg import DATABASES, PostgresServer

CLOSED = "2026-09"  # a whole month of the generated history (TODAY = 2026-11-20)
NEXT = "2026-10"


def run_shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A directory every xdist worker of this run sees (the parent of the workers' own base directories);
    this session's own base directory when xdist is not running."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The small marketplace (seed 11, TODAY) generated and built by ``run_build`` with its inputs recorded,
    as ``atom build`` builds it (so a copy's next ``atom build`` knows what changed since).

    Shared by every worker of the run: never write into it, copy it (``billing_home``) or open its files
    read-only."""
    from orchestration.build_inputs import BuildInputs
    from orchestration.run import run_build

    root = run_shared_dir(tmp_path_factory, worker_id) / "built-small-home"
    home, done = root / "home", root / "built"
    with FileLock(f"{root}.lock"):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # a worker that died halfway leaves no half-built home
            root.mkdir()
            with pytest.MonkeyPatch.context() as mp:
                settings = use_home(mp, home)
                settings.ensure_dirs()
                generate_small(settings)
                summary = run_build(inputs=BuildInputs.read(settings))
                assert summary.success, summary.error
            reset_settings_cache()
            done.touch()
    return home


@pytest.fixture
def billing_home(built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A private copy of the built marketplace: tests may finalize, ingest and rebuild in it."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    settings = use_home(monkeypatch, home)
    yield settings
    reset_settings_cache()


# -- the same built marketplace on PostgreSQL (tests/pg.py) ---------------------------------------------------


@pytest.fixture(scope="session")
def built_home_pg(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    built_home: Path,
) -> tuple[Path, str]:
    """The same built marketplace with its operational DB (and Dagster's storage) on PostgreSQL: the home
    and the database that each test copies (``CREATE DATABASE … TEMPLATE``).

    Not a second build: ``built_home`` is copied and its operational DB's rows are copied into a migrated
    PostgreSQL database, table by table in foreign-key order, through the ORM's own column types (so what
    the warehouse's operational copy read is exactly what PostgreSQL now holds); the sequences behind the
    integer keys then continue after the copied rows. Billing in the tests writes to PostgreSQL for real."""
    name = postgres_server.create_database("billing_built", template=postgres_server.migrated_template())
    home = tmp_path_factory.mktemp("billing_pg") / "home"
    shutil.copytree(built_home, home)
    copy_operational_rows(f"sqlite:///{built_home / 'atom.db'}", postgres_server.url(name))
    (home / "atom.db").unlink()  # nothing may read the SQLite copy by mistake
    with pytest.MonkeyPatch.context() as mp:
        use_home(mp, home, database_url=postgres_server.url(name)).ensure_dirs()  # Dagster's storage follows
    reset_settings_cache()
    postgres_server.close_sessions(name)  # a template must have no one on it
    return home, name


def copy_operational_rows(source_url: str, target_url: str) -> None:
    """Every row of every operational table from ``source_url`` into the migrated, empty ``target_url``."""
    from sqlalchemy import Integer, func, inspect, select, text

    from atom.opdb import make_engine
    from atom.opdb.models import Base

    source, target = make_engine(source_url), make_engine(target_url)
    try:
        unknown = set(inspect(target).get_table_names()) - set(Base.metadata.tables) - {"alembic_version"}
        assert not unknown, f"tables the ORM does not know, left uncopied: {sorted(unknown)}"
        with source.connect() as read, target.begin() as write:
            for table in Base.metadata.sorted_tables:
                rows = [dict(row) for row in read.execute(select(table)).mappings()]
                if rows:
                    write.execute(table.insert(), rows)
                for column in table.primary_key.columns:
                    if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                        top = write.execute(select(func.max(column))).scalar()
                        if top is not None:
                            write.execute(
                                text("select setval(pg_get_serial_sequence(:t, :c), :v)"),
                                {"t": table.name, "c": column.name, "v": top},
                            )
    finally:
        source.dispose()
        target.dispose()


CopyHome = Callable[[Path, pytest.MonkeyPatch], Settings]


@pytest.fixture(params=DATABASES)
def built_copies(request: pytest.FixtureRequest) -> Iterator[CopyHome]:
    """Makes private copies of the built marketplace, on SQLite or PostgreSQL (the test's parameter)."""
    created: list[str] = []
    server: PostgresServer | None = None
    if request.param == "sqlite":
        built: Path = request.getfixturevalue("built_home")

        def copy(home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
            shutil.copytree(built, home)
            return use_home(monkeypatch, home)

    else:
        server = request.getfixturevalue("postgres_server")
        built_pg, template = request.getfixturevalue("built_home_pg")

        def copy(home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
            assert server is not None
            shutil.copytree(built_pg, home)
            name = server.create_database("billing", template=template)
            created.append(name)
            return use_home(monkeypatch, home, database_url=server.url(name))

    yield copy
    for name in created:
        assert server is not None
        server.drop_database(name)


@pytest.fixture
def billing_home_both(
    built_copies: CopyHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """``billing_home`` on SQLite and on PostgreSQL."""
    settings = built_copies(tmp_path / "home", monkeypatch)
    yield settings
    reset_settings_cache()
