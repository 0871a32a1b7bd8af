"""The landing zone: append-only usage batches, written atomically (DESIGN 2).

A batch is written to a hidden temporary name in its final directory, flushed to disk, then renamed:
readers never see half a file and a crash loses nothing that was acknowledged. Batches are grouped by
landing (arrival) day, ``<landing_dir>/<YYYY-MM-DD>/<batch>.<ext>``, which is the daily partition
the ingest asset loads.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from atom import clock
from atom.storage import atomic_path, fsync_dir

SUPPORTED_SUFFIXES = {
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
    ".csv": "csv",
    ".parquet": "parquet",
}


class UnsupportedFileError(ValueError):
    pass


def file_format(path: Path) -> str:
    """``ndjson``, ``csv`` or ``parquet`` from the file's suffix, or a clear error."""
    try:
        return SUPPORTED_SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFileError(
            f"{path}: unsupported file type {path.suffix!r}; use one of {known}"
        ) from None


def day_dir(landing_dir: Path, landing_date: date) -> Path:
    return landing_dir / landing_date.isoformat()


def new_batch_name(suffix: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"batch_{stamp}_{uuid.uuid4().hex[:12]}{suffix}"


@dataclass(frozen=True)
class Manifest:
    """What the intake API knew of a batch, beside it as ``<batch>.manifest``.

    ``tenant_id``: the tenant whose key posted it (None for an admin key: unpinned); the loader quarantines
    any row naming another tenant as ``tenant_mismatch``. ``received_at``: when the API received it (UTC),
    the instant ``timestamp_out_of_range`` is judged against. A batch without a manifest (a file given to
    ``atom ingest`` or dropped in the landing zone by hand) is unpinned and received when it is loaded."""

    tenant_id: str | None
    received_at: datetime

    def encode(self) -> bytes:
        return json.dumps(
            {"tenant_id": self.tenant_id, "received_at": self.received_at.astimezone(UTC).isoformat()},
            sort_keys=True,
        ).encode()


MANIFEST_SUFFIX = ".manifest"


def manifest_path(batch: Path) -> Path:
    return batch.with_name(batch.name + MANIFEST_SUFFIX)


def read_manifest(batch: Path) -> Manifest | None:
    """The batch's manifest, or None; a manifest that cannot be read is an error, never "unpinned"."""
    path = manifest_path(batch)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    tenant = data["tenant_id"]
    if tenant is not None and not isinstance(tenant, str):
        raise ValueError(f"{path}: tenant_id must be a string or null")
    return Manifest(tenant, datetime.fromisoformat(data["received_at"]).astimezone(UTC))


def land_bytes(
    landing_dir: Path,
    payload: bytes,
    suffix: str,
    landing_date: date | None = None,
    manifest: Manifest | None = None,
) -> Path:
    """Write one batch durably (its manifest first: the batch's rename is the commit) and return its path.
    It lands on ``landing_date``, by default the platform's today (:func:`atom.clock.today`)."""
    target = day_dir(landing_dir, landing_date or clock.today()) / new_batch_name(suffix)
    if manifest is not None:
        with atomic_path(manifest_path(target)) as tmp:
            tmp.write_bytes(manifest.encode())
    with atomic_path(target) as tmp:
        tmp.write_bytes(payload)
    return target


def land_file(landing_dir: Path, source: Path, landing_date: date | None = None) -> Path:
    """Copy an existing file into the landing zone durably (the source is left untouched), on
    ``landing_date``, by default the platform's today: with ``ATOM_TODAY`` pinned, the wall clock's day
    would be a landing day no ingest looks at again once loaded (orchestration/run.py, ``days_to_load``)."""
    suffix = ".ndjson" if file_format(source) == "ndjson" else source.suffix.lower()
    target = day_dir(landing_dir, landing_date or clock.today()) / new_batch_name(suffix)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return target


def set_aside(rejected_dir: Path, path: Path, reason: str) -> Path:
    """Move an unreadable landed file out of the landing zone, keeping it whole, with its reason beside it
    (``<rejected_dir>/<landing day>/<name>`` and ``<name>.reason.txt``): nothing is lost, and it no longer
    holds back the batches landed after it. Fix it and land it again to load it."""
    target = rejected_dir / path.parent.name / path.name
    with atomic_path(target.with_name(target.name + ".reason.txt")) as tmp:
        tmp.write_text(reason + "\n", encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    if manifest_path(path).exists():
        os.replace(manifest_path(path), manifest_path(target))
    os.replace(path, target)
    fsync_dir(target.parent)
    return target


def landed_files(landing_dir: Path, landing_dates: list[date] | None = None) -> list[Path]:
    """Batches in the landing zone, oldest day first; temporary files are never listed."""
    if not landing_dir.exists():
        return []
    days = sorted(p for p in landing_dir.iterdir() if p.is_dir())
    if landing_dates is not None:
        wanted = {d.isoformat() for d in landing_dates}
        days = [d for d in days if d.name in wanted]
    return [
        f
        for d in days
        for f in sorted(d.iterdir())
        if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in SUPPORTED_SUFFIXES
    ]


# File systems stamp modification times from the kernel's coarse clock, up to a tick (1-10 ms) behind the
# one datetime.now() reads.
MTIME_SLACK_SECONDS = 0.05


def landing_days(landing_dir: Path, changed_since: datetime | None = None) -> list[date]:
    """Days that hold at least one batch; with ``changed_since``, only those whose folder changed at or after
    it (a batch landed in it, its rename being the commit, or one was set aside)."""
    if not landing_dir.exists():
        return []
    since = changed_since.timestamp() - MTIME_SLACK_SECONDS if changed_since is not None else None
    out = []
    for p in sorted(landing_dir.iterdir()):
        try:
            day = date.fromisoformat(p.name)
        except ValueError:
            continue
        if not p.is_dir() or (since is not None and p.stat().st_mtime < since):
            continue
        if any(not f.name.startswith(".") for f in p.iterdir()):
            out.append(day)
    return out
