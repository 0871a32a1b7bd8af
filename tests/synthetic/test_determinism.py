from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from atom.opdb import make_engine
from atom.settings import Settings
from ingest.synthetic import SCALES, UnknownScaleError, generate

from .conftest import TODAY, Generated, run_generate

TABLES = ["publishers", "packages", "package_versions", "tenants", "subscriptions", "tenant_events"]


def _file_hashes(settings: Settings) -> dict[str, str]:
    files = [settings.price_book_path, *sorted(settings.landing_dir.rglob("*.parquet"))]
    return {str(f.relative_to(settings.home)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _db_rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    with make_engine(settings.database_url).connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"select * from {t} order by 1, 2, 3"))] for t in TABLES
        }


def test_same_seed_and_today_give_byte_identical_outputs(small: Generated, tmp_path: Path) -> None:
    again = run_generate(tmp_path / "again")
    assert again.summary == small.summary
    assert _file_hashes(again.settings) == _file_hashes(small.settings)
    assert _db_rows(again.settings) == _db_rows(small.settings)


def test_a_second_generate_replaces_the_first(small: Generated, tmp_path: Path) -> None:
    home = tmp_path / "twice"
    run_generate(home, seed=7)
    second = run_generate(home, seed=8)
    rows = _db_rows(second.settings)
    assert len(rows["tenants"]) == second.summary.tenants
    assert len(rows["tenant_events"]) == second.summary.tenant_events
    landed = second.usage().execute("select count(*), count(distinct filename) from usage").fetchone()
    assert landed == (second.summary.events, second.summary.files)
    assert _file_hashes(second.settings) != _file_hashes(small.settings)


def test_an_unknown_scale_is_refused_naming_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownScaleError, match=r"huge.*small, default, large"):
        generate(Settings(ATOM_HOME=str(tmp_path)), scale="huge", today=TODAY)
    assert list(SCALES) == ["small", "default", "large"]


def test_progress_reports_every_step_until_done(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(
        Settings(ATOM_HOME=str(tmp_path)), scale="small", today=TODAY, progress=lambda *a: calls.append(a)
    )
    steps = {name for name, _, _ in calls}
    assert steps == {"catalog", "price_book", "usage"}
    for step in steps:
        last = [c for c in calls if c[0] == step][-1]
        assert last[1] == last[2] > 0
