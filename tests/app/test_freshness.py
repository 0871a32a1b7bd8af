"""Every page says what the data is as of; the pipeline page measures freshness against its 60 s objective."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.ui import data_as_of_caption
from atom.freshness import FRESHNESS_OBJECTIVE_SECONDS, BuildRecord, Freshness, freshness, write_record
from atom.settings import get_settings
from tests.app.conftest import PortalHome
from tests.app.opdb_seed import run_as


def _land(home: Path, name: str, landed_at: datetime) -> Path:
    day = home / "landing" / "usage" / landed_at.date().isoformat()
    day.mkdir(parents=True, exist_ok=True)
    batch = day / name
    batch.write_text('{"event_id": "e1"}\n', encoding="utf-8")
    (day / f"{name}.manifest").write_text("{}", encoding="utf-8")  # beside the batch: not a batch itself
    os.utime(batch, (landed_at.timestamp(), landed_at.timestamp()))
    return batch


def _built(as_of: datetime) -> None:
    write_record(get_settings(), BuildRecord("f" * 64, as_of, as_of + timedelta(seconds=20), "run-1"))


def test_freshness_is_the_wait_of_the_oldest_batch_landed_after_the_last_build(
    portal_home: PortalHome,
) -> None:
    now = datetime.now(UTC)
    as_of = now - timedelta(minutes=10)
    _land(portal_home.home, "before.ndjson", as_of - timedelta(minutes=1))  # in the snapshot
    _built(as_of)

    current = freshness(get_settings(), now)
    assert (current.as_of, current.pending_batches, current.lag_seconds) == (as_of, 0, 0.0)
    assert current.within_objective

    _land(portal_home.home, "late.ndjson", now - timedelta(seconds=90))
    _land(portal_home.home, "new.ndjson", now - timedelta(seconds=5))
    behind = freshness(get_settings(), now)
    assert behind.pending_batches == 2
    assert round(behind.lag_seconds) == 90
    assert not behind.within_objective


def test_a_home_never_built_has_no_as_of_and_counts_every_landed_batch(portal_home: PortalHome) -> None:
    _land(portal_home.home, "first.ndjson", datetime.now(UTC) - timedelta(seconds=30))

    state = freshness(get_settings())

    assert state.as_of is None and state.pending_batches == 1 and not state.within_objective


def test_the_caption_says_as_of_when_and_what_waits() -> None:
    now = datetime(2026, 12, 7, 12, 0, 30, tzinfo=UTC)
    built = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    fresh = Freshness(as_of=now - timedelta(seconds=40), checked_at=now, pending_batches=0, lag_seconds=0)
    assert data_as_of_caption(fresh, built, now) == "Data as of 2026-12-07 11:59:50 UTC (40 s ago)"
    waiting = Freshness(as_of=now - timedelta(minutes=5), checked_at=now, pending_batches=3, lag_seconds=75)
    assert data_as_of_caption(waiting, built, now).endswith(
        "; 3 batch(es) landed since, waiting for the next build (oldest 1 min)"
    )
    # A snapshot built before builds kept a record: its file's time.
    unknown = Freshness(as_of=None, checked_at=None, pending_batches=0, lag_seconds=0)
    assert data_as_of_caption(unknown, built, now).startswith("Data as of 2026-12-07 11:00:00 UTC (1 h ago)")


def test_every_page_shows_data_as_of_and_the_pipeline_page_the_objective(portal_world: PortalHome) -> None:
    now = datetime.now(UTC)
    _built(now - timedelta(minutes=3))
    _land(portal_world.home, "waiting.ndjson", now - timedelta(seconds=150))

    at = run_as("admin", "governance.py")

    assert not at.exception
    captions = " ".join(caption.value for caption in at.sidebar.caption)
    assert "Data as of" in captions and "1 batch(es) landed since, waiting for the next build" in captions
    metrics = {metric.label: metric for metric in at.metric}
    assert metrics["Batches waiting for a build"].value == "1"
    assert metrics["Freshness"].value == "2 min"
    assert metrics["Freshness"].delta == f"objective {FRESHNESS_OBJECTIVE_SECONDS} s"
