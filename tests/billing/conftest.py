"""One built small marketplace per test session, copied into a fresh ATOM_HOME for each test.

A full build costs ~40 s on the shared cores; copying the built home costs well under a second.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from atom.settings import Settings, reset_settings_cache
from tests.orchestration.conftest import generate_small, use_home
from tests.pg import DATABASES, PostgresServer

CLOSED = "2026-09"  # a whole month of the generated history (TODAY = 2026-11-20)
NEXT = "2026-10"


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from orchestration.run import run_build

    home = tmp_path_factory.mktemp("billing") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home)
        settings.ensure_dirs()
        generate_small(settings)
        summary = run_build()
        assert summary.success, summary.error
    reset_settings_cache()
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
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> tuple[Path, str]:
    """The small marketplace built once with its operational DB (and Dagster's storage) on PostgreSQL:
    the home and the database that each test copies (``CREATE DATABASE … TEMPLATE``)."""
    from orchestration.run import run_build

    name = postgres_server.create_database("billing_built")
    home = tmp_path_factory.mktemp("billing_pg") / "home"
    with pytest.MonkeyPatch.context() as mp:
        settings = use_home(mp, home, database_url=postgres_server.url(name))
        settings.ensure_dirs()
        generate_small(settings)
        summary = run_build()
        assert summary.success, summary.error
    reset_settings_cache()
    postgres_server.close_sessions(name)  # a template must have no one on it
    return home, name


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
