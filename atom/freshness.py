"""What the serving snapshot holds and how fresh it is: the record of the last build that completed.

Every build that publishes the snapshot records the fingerprint of the inputs it built from (landed
batches, the operational DB, the price book, the dbt project, the day: ``orchestration/build_inputs.py``)
and the moment it read them. A build whose inputs have the same fingerprint has nothing to do: it renews
the record's ``checked_at`` and returns (docs/decisions/0091-incremental-usage-and-no-op-builds.md).

"Data as of" in the portal is ``inputs_at`` of this record: everything landed before that moment is in
the snapshot. After a no-op build, ``checked_at`` moves on while the snapshot file stays the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from atom.settings import Settings
from atom.storage import atomic_path, exclusive_lock

# The freshness objective (issue 14): an event accepted by the API is in the portal within a minute.
FRESHNESS_OBJECTIVE_SECONDS = 60


@dataclass(frozen=True)
class BuildRecord:
    inputs: str  # the fingerprint of what the snapshot was built from
    inputs_at: datetime  # when those inputs were read: data landed before this is in the snapshot
    checked_at: datetime  # the last build that found these inputs unchanged (or built them)
    run_id: str | None = None
    # The fingerprint of those inputs but the landed batches (decision 0092): while it is set, every model
    # in the warehouse was built from them, and a build whose only change is new batches rebuilds only
    # what reads usage. A dbt run clears it when it starts (``models_changing``) and the next publish sets it.
    reference: str | None = None

    def to_json(self) -> str:
        data = asdict(self)
        data["inputs_at"] = self.inputs_at.isoformat()
        data["checked_at"] = self.checked_at.isoformat()
        return json.dumps(data, indent=2)


def record_path(settings: Settings) -> Path:
    return settings.home / "last_build.json"


def read_record(settings: Settings) -> BuildRecord | None:
    """The last completed build, or None (never built, or the record is unreadable: then rebuild)."""
    try:
        data = json.loads(record_path(settings).read_text(encoding="utf-8"))
        return BuildRecord(
            inputs=str(data["inputs"]),
            inputs_at=datetime.fromisoformat(data["inputs_at"]),
            checked_at=datetime.fromisoformat(data["checked_at"]),
            run_id=data.get("run_id"),
            reference=data.get("reference"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def models_changing(settings: Settings) -> BuildRecord | None:
    """A dbt run is starting: from now until the next publish, the warehouse's models may be those of other
    inputs than the record's. Forgets the record's ``reference`` and returns the record as it was."""
    with _record_lock(settings):
        record = read_record(settings)
        if record is not None and record.reference is not None:
            _write(settings, replace(record, reference=None))
    return record


def renew_record(settings: Settings, last: BuildRecord, checked_at: datetime) -> bool:
    """A build found nothing to do since ``last``: move its ``checked_at`` on, unless the record changed since
    it was read (a build that started its dbt run or published meanwhile). Read and write under the record's
    lock, so a no-op build never writes back a ``reference`` a dbt run has just cleared."""
    with _record_lock(settings):
        if read_record(settings) != last:
            return False
        _write(settings, replace(last, checked_at=checked_at))
    return True


def write_record(settings: Settings, record: BuildRecord) -> None:
    with _record_lock(settings):
        _write(settings, record)


def _write(settings: Settings, record: BuildRecord) -> None:
    with atomic_path(record_path(settings)) as tmp:
        tmp.write_text(record.to_json() + "\n", encoding="utf-8")


@contextmanager
def _record_lock(settings: Settings) -> Iterator[None]:
    """One reader-writer of the record at a time across processes (the CLI, Dagster's run workers)."""
    with exclusive_lock(record_path(settings).with_name(".last_build.lock")):
        yield


@dataclass(frozen=True)
class Freshness:
    """How far the snapshot is behind intake, now.

    ``lag_seconds`` is the age of the oldest batch landed after the last build read its inputs (0 when
    none waits): how long the oldest accepted event not yet in the portal has been waiting. It is
    measured against ``FRESHNESS_OBJECTIVE_SECONDS``."""

    as_of: datetime | None  # data landed before this is in the snapshot; None: never built
    checked_at: datetime | None
    pending_batches: int
    lag_seconds: float

    @property
    def within_objective(self) -> bool:
        return self.as_of is not None and self.lag_seconds <= FRESHNESS_OBJECTIVE_SECONDS


def freshness(settings: Settings, now: datetime | None = None) -> Freshness:
    now = now or utc_now()
    record = read_record(settings)
    cutoff = record.inputs_at if record else None
    landed = list(_landed_since(settings.landing_dir, cutoff))
    oldest = min(landed, default=None)
    return Freshness(
        as_of=cutoff,
        checked_at=record.checked_at if record else None,
        pending_batches=len(landed),
        lag_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )


def _landed_since(landing_dir: Path, cutoff: datetime | None) -> Iterator[datetime]:
    """Landing times of the batches landed after ``cutoff`` (all of them when None). Batches land in
    ``<landing>/<YYYY-MM-DD>/``, so only the days from the cutoff's day on are listed."""
    if not landing_dir.is_dir():
        return
    first_day = (cutoff.date() - timedelta(days=1)).isoformat() if cutoff else ""
    for day in sorted(landing_dir.iterdir()):
        if not day.is_dir() or day.name < first_day:
            continue
        for path in day.iterdir():
            if path.name.startswith(".") or path.suffix == ".manifest":
                continue
            try:
                landed_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            except FileNotFoundError:  # set aside or replaced meanwhile
                continue
            if cutoff is None or landed_at > cutoff:
                yield landed_at


def utc_now() -> datetime:
    return datetime.now(UTC)
