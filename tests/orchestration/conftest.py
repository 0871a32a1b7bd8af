"""A generated small marketplace in a temporary ATOM_HOME, shared by the orchestration tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from atom.settings import Settings, get_settings, reset_settings_cache, subprocess_env

# A fixed "today" (ATOM_TODAY, atom/clock.py) keeps the generated marketplace identical from run to run,
# and makes the build rate the months the generator wrote, whatever the wall clock says.
TODAY = date(2026, 11, 20)
EXPORTED = (
    "ATOM_HOME",
    "ATOM_WAREHOUSE",
    "ATOM_SERVING",
    "ATOM_DATABASE_URL",
    "ATOM_PRICE_BOOK",
    "DAGSTER_HOME",
    "DBT_PROFILES_DIR",
    "DAGSTER_EVENT_BATCH_SIZE",
    "ATOM_TODAY",
    "DAGSTER_PG_URL",
)


def use_home(
    monkeypatch: pytest.MonkeyPatch, home: Path, today: date = TODAY, database_url: str | None = None
) -> Settings:
    """Point every setting at ``home``, with the platform's clock pinned to ``today`` (and the operational
    DB at ``database_url`` when given: tests/pg.py's PostgreSQL; else the home's SQLite file).

    Every exported key is set through monkeypatch (not only deleted: pytest records nothing for a key it
    deletes that was absent), so what apply_to_process_env later writes into os.environ is undone after
    the test instead of leaking into the next one's settings.
    """
    for key in EXPORTED:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ATOM_HOME", str(home))
    monkeypatch.setenv("ATOM_TODAY", today.isoformat())
    if database_url is not None:
        monkeypatch.setenv("ATOM_DATABASE_URL", database_url)
    reset_settings_cache()
    settings = get_settings()
    resolved = subprocess_env(settings)
    for key in EXPORTED:
        # A database URL from <NAME>_FILE or the vault is not exported: children read it themselves.
        if key in resolved:
            monkeypatch.setenv(key, resolved[key])
    return settings


def generate_small(settings: Settings, seed: int = 11) -> None:
    from ingest.synthetic import generate

    generate(settings, scale="small", seed=seed)  # as of the pinned ATOM_TODAY


@pytest.fixture
def small_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    generate_small(settings)
    yield settings
    reset_settings_cache()
