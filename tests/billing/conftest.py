"""One built small marketplace per test session, copied into a fresh ATOM_HOME for each test.

A full build costs ~40 s on the shared cores; copying the built home costs well under a second.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from atom.settings import Settings, reset_settings_cache
from tests.orchestration.conftest import generate_small, use_home

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
