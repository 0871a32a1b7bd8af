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
    # Always: a test that set a variable and undid it itself (monkeypatch) leaves the environment as it was
    # but the settings cached from it in between, ATOM_TODAY included.
    from atom.settings import reset_settings_cache

    reset_settings_cache()


# The longest tests first, each module in its own order. With `--dist worksteal` (Makefile) each worker
# starts on half of the collection and an idle worker takes half of the other's unstarted tests: the long
# ones, started first, never end the run on one worker while the other has nothing left (collected in path
# order, tests/spark and tests/secrets came last and did). Measured: docs/decisions/0093.
LONGEST_FIRST = (
    "tests/spark/test_two_engines.py",
    "tests/operator/",
    "tests/browser/test_credit_note_chromium.py",
    "tests/browser/test_billing_through_orchestrator_chromium.py",
    "tests/secrets/test_secrets_end_to_end.py",
    "tests/concurrency/",
    "tests/dbt/test_incremental_property.py",
    "tests/cli/test_pipeline_cli.py",
    "tests/cli/test_clean_stops.py",
    "tests/orchestration/test_incremental_build.py",
    "tests/cli/test_warehouse_turn.py",
    "tests/orchestration/test_dagster_postgres.py",
    "tests/cli/test_home_permissions.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST)
        )

    items.sort(key=rank)  # stable: every module keeps its own order
