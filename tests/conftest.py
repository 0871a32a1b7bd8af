"""Suite-wide guard: no test leaves environment variables behind for the next one.

Running the pipeline exports its resolved paths into ``os.environ`` (dbt and Dagster read them there). A
test that forgets to undo that would point every later test in the same worker at its ATOM_HOME, which
surfaced as foreign-key failures far from the cause; restoring the environment after each test keeps
the workers' tests independent whatever order xdist gives them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# A real PostgreSQL server for the operational-DB tests (fixtures database_url, opdb_url, postgres_server).
pytest_plugins = ["tests.pg"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before = dict(os.environ)
    yield
    if dict(os.environ) != before:
        os.environ.clear()
        os.environ.update(before)
        from atom.settings import reset_settings_cache

        reset_settings_cache()
