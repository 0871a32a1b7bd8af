"""The vocabulary every job of the loader shares: a planned file, a batch's result, the file error, and the
few helpers that write SQL text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


class IngestFileError(ValueError):
    """A file that cannot be read as a usage batch at all; nothing of it was loaded."""


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    source_uri: str
    file_format: str
    landing_date: date | None
    received: int
    loaded: int
    duplicates: int
    quarantined: int
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    skipped_already_loaded: bool = False

    @property
    def is_reconciled(self) -> bool:
        return self.received == self.loaded + self.duplicates + self.quarantined


@dataclass
class PlannedFile:
    position: int  # in the caller's list
    path: Path
    fmt: str
    batch_id: str
    source_uri: str
    landing_date: date | None
    size: int
    columns: tuple[str, ...] = ()  # CSV header, or Parquet column names
    parquet_schema: tuple[object, ...] = ()  # the footer's schema: files sharing it share a scan
    parquet_types: tuple[tuple[str, str], ...] = ()  # top-level (column, DuckDB type)
    rows: int = 0  # Parquet: exact; text: an estimate from the size
    already_loaded: bool = False
    pinned_tenant: str | None = None  # the manifest's tenant: rows naming another are tenant_mismatch
    received_at: datetime | None = None  # the manifest's, naive UTC; None: the time of the load

    def skipped(self) -> BatchResult:
        return BatchResult(
            self.batch_id,
            self.source_uri,
            self.fmt,
            self.landing_date,
            0,
            0,
            0,
            0,
            {},
            skipped_already_loaded=True,
        )

    @property
    def scan_key(self) -> tuple[object, ...]:
        """Files with the same key are read by one scan."""
        return (self.fmt, self.columns, self.parquet_schema)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_list(items: Sequence[object]) -> str:
    return "[" + ", ".join(quote(i) if isinstance(i, str) else str(i) for i in items) + "]"
