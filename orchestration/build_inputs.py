"""The fingerprint of everything a build reads: two builds with the same fingerprint publish the same marts.

A build reads the batches in the landing zone, the operational DB's tables, every price-book version, the
dbt project, the engine and the day (MRR, AR aging and health are computed as of ``atom_today()``). When
none of them changed since the last completed build (``atom/freshness.py``), the build has nothing to do
and returns in about a second instead of planning 46 assets and running dbt's 169 nodes (issue 14 item 2,
docs/decisions/0091-incremental-usage-and-no-op-builds.md).

The fingerprint errs on the side of building: a file touched, a row read back in another order or a batch
set aside as unreadable all count as changes. It never misses one: every input of the build is in it.
It imports no Dagster, so ``atom build`` can answer "up to date" before loading the orchestrator.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from atom import clock
from atom.freshness import BuildRecord, read_record, utc_now, write_record
from atom.opdb import make_engine, session_scope
from atom.settings import DBT_PROJECT_DIR, Settings
from billing.price_book import all_versions
from ingest.landing import landing_days
from ingest.operational import read_operational_tables

# Run tags of a build that knows its inputs: the transform run records them when it publishes.
INPUTS_TAG = "atom/build_inputs"
INPUTS_AT_TAG = "atom/build_inputs_at"
REFERENCE_TAG = "atom/build_reference"

# What of the dbt project decides the marts; target/ and logs/ are dbt's own output.
_PROJECT_PARTS = ("models", "macros", "dbt_project.yml", "profiles.yml")


def fingerprint(settings: Settings) -> str:
    return fingerprints(settings)[0]


def fingerprints(settings: Settings) -> tuple[str, str]:
    """The fingerprint of every input, and the one of every input but the landed batches (the build's
    reference data: the day, the engine, the operational DB, the price book and the dbt project)."""
    everything = hashlib.sha256()
    reference = hashlib.sha256()

    def part(name: str, value: bytes | str, *, landed: bool = False) -> None:
        data = value.encode() if isinstance(value, str) else value
        for digest in (everything,) if landed else (everything, reference):
            digest.update(f"{name}:{len(data)}:".encode())
            digest.update(data)

    part("today", clock.today().isoformat())
    part("engine", f"{settings.atom_engine}/{settings.dbt_target}")
    for entry in _files(settings.landing_dir):
        part("landed", entry, landed=True)
    for table, data in sorted(read_operational_tables(settings.database_url).items()):
        part(f"operational:{table}", _table_bytes(data))
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            for version in all_versions(session, settings.price_book_path):
                part("price_book", f"{version.effective_from}:{version.sha256}")
    finally:
        engine.dispose()
    project = Path(DBT_PROJECT_DIR)
    for name in _PROJECT_PARTS:
        for path in sorted(_walk(project / name)):
            part(f"dbt:{path.relative_to(project)}", path.read_bytes())
    return everything.hexdigest(), reference.hexdigest()


def _files(root: Path) -> Iterator[str]:
    """Every landed file as ``relative path, size, mtime``: batches are immutable under unique names."""
    for path in sorted(_walk(root)):
        try:
            stat = path.stat()
        except FileNotFoundError:  # set aside as unreadable by a build meanwhile: not landed any more
            continue
        yield f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}"


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for directory, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):  # half-written files (atom/storage.py) are not landed yet
                yield Path(directory) / name


def _table_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@dataclass(frozen=True)
class BuildInputs:
    """A build's inputs as read at ``read_at``: the snapshot it publishes holds everything landed before."""

    fingerprint: str
    read_at: datetime
    reference: str | None = None  # the fingerprint of everything but the landed batches

    @classmethod
    def read(cls, settings: Settings) -> BuildInputs:
        read_at = utc_now()  # before reading: a batch landing meanwhile may or may not be in this build
        everything, reference = fingerprints(settings)
        return cls(everything, read_at, reference)

    def tags(self) -> dict[str, str]:
        tags = {INPUTS_TAG: self.fingerprint, INPUTS_AT_TAG: self.read_at.isoformat()}
        if self.reference is not None:
            tags[REFERENCE_TAG] = self.reference
        return tags

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> BuildInputs | None:
        if INPUTS_TAG not in tags or INPUTS_AT_TAG not in tags:
            return None
        return cls(tags[INPUTS_TAG], datetime.fromisoformat(tags[INPUTS_AT_TAG]), tags.get(REFERENCE_TAG))

    def unchanged_since_last_build(self, settings: Settings) -> BuildRecord | None:
        """The last build's record when it was built from these same inputs (then there is nothing to do)."""
        if not (settings.warehouse_path.exists() and settings.serving_path.exists()):
            return None  # removed since (a home reset by hand): rebuild
        record = read_record(settings)
        return record if record is not None and record.inputs == self.fingerprint else None

    def only_batches_landed_since_last_build(self, settings: Settings) -> bool:
        """Whether the only inputs that changed since the last publish are landed batches, and every model
        in the warehouse is still the one that publish built (no dbt run started since): then only what
        reads usage needs rebuilding (decision 0092)."""
        if self.reference is None or not (
            settings.warehouse_path.exists() and settings.serving_path.exists()
        ):
            return False
        record = read_record(settings)
        return record is not None and record.reference == self.reference


def days_landed_since_last_build(settings: Settings) -> list[date]:
    """Landing days a batch reached since the last published build read its inputs (decision 0098): one
    that landed late on a day already loaded, as a batch written just before midnight is when no build runs
    the next day. None before a first build."""
    record = read_record(settings)
    return landing_days(settings.landing_dir, changed_since=record.inputs_at) if record else []


def record_published(
    settings: Settings, inputs: BuildInputs | None, run_id: str, started_at: datetime
) -> None:
    """After a build published the snapshot: what it was built from, for "data as of" and the no-op check.
    A run launched without inputs (from Dagster's UI) records when it started and matches no later build."""
    now = utc_now()
    if inputs is None:
        write_record(settings, BuildRecord(inputs="", inputs_at=started_at, checked_at=now, run_id=run_id))
    else:
        write_record(settings, BuildRecord(inputs.fingerprint, inputs.read_at, now, run_id, inputs.reference))
