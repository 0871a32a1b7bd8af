"""Planning: every file hashed, checked and sized before any row is read.

Per-file work is limited to this: the suffix, the CSV header or the Parquet footer, the batch manifest, and
one SHA-256 pass over the bytes (the batch id). Files are then cut into chunks, each loaded in one
transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date
from pathlib import Path

import duckdb

from ingest.landing import MANIFEST_SUFFIX, file_format, read_manifest
from ingest.loading.model import IngestFileError, PlannedFile, quote
from ingest.raw_schema import create_raw_schema
from ingest.validation import CONTRACT_COLUMNS, REQUIRED_COLUMNS

# A chunk is one transaction and one set of temp tables: large enough that per-statement costs vanish
# (and that the semi-join against raw.usage_events runs a few times per 10M rows, not once per file),
# small enough that the temp tables of a chunk stay within memory on the 24 GiB machines.
CHUNK_FILES = 2_000
CHUNK_ROWS = 5_000_000
# Text files are sized before they are read: usage records are 100-250 bytes, so this overestimates rows.
_TEXT_BYTES_PER_ROW = 100
# The columns pandas' to_parquet writes for an unnamed index (pyarrow's pandas metadata names them so).
PANDAS_INDEX = re.compile(r"__index_level_[0-9]+__")

_CHUNK = 8 * 1024 * 1024


def prepare(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    create_raw_schema(conn)
    check_reference_data(conn, check_tenants)


def check_reference_data(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    # Without these every event would be quarantined, which is a setup mistake, not bad usage.
    if conn.execute("SELECT count(*) FROM raw.price_book_metrics").fetchone() == (0,):
        raise RuntimeError(
            "no price book is published, so every event would be an unknown_metric: publish one first "
            "(`atom price-book publish FILE --effective-from YYYY-MM`); nothing was loaded, and landed files "
            "wait in the landing zone for the next load (raw.price_book_metrics is empty)"
        )
    if check_tenants and conn.execute("SELECT count(*) FROM raw.operational_tenants").fetchone() == (0,):
        raise RuntimeError(
            "the operational DB has no tenants, so every event would be an unknown_tenant: create tenants "
            "first (the API's /v1/tenants); nothing was loaded, and landed files wait in the landing zone "
            "for the next load (raw.operational_tenants is empty)"
        )


def landing_date_from_path(path: Path) -> date | None:
    """The landing day of a file in the landing zone (``.../<YYYY-MM-DD>/<batch>``), else None."""
    try:
        return date.fromisoformat(path.parent.name)
    except ValueError:
        return None


def batch_id_of(path: Path, pinned_tenant: str | None = None) -> str:
    """SHA-256 of the file; a pinned batch's tenant is hashed too, so the same bytes posted by two
    tenants are two batches (and one tenant cannot make another's batch look already loaded)."""
    digest = hashlib.sha256()
    if pinned_tenant is not None:
        digest.update(b"atom-pinned-batch\x00" + pinned_tenant.encode() + b"\x00")
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def unreadable_files(conn: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> dict[Path, str]:
    """The files :func:`load_files` would refuse outright, each with the reason, found the way it plans
    them (suffix, CSV header, Parquet footer) without reading any rows or hashing any file.

    Callers set these aside before loading, so one unreadable file does not hold back every other batch.
    """
    refused: dict[Path, str] = {}
    parquet: list[PlannedFile] = []
    for path in map(Path, files):
        try:
            fmt, _columns = check_file(path)
        except ValueError as exc:  # UnsupportedFileError, IngestFileError
            refused[path] = str(exc)
            continue
        if fmt == "parquet":  # footers are read together below, as load_files reads them
            parquet.append(PlannedFile(len(parquet), path, fmt, "", str(path), None, 0))
    while parquet:
        found = describe_parquet(conn, parquet)
        if found is None:
            break
        position, error = found
        refused[parquet[position].path] = str(error)
        parquet = [
            dataclasses.replace(f, position=i)
            for i, f in enumerate(parquet[:position] + parquet[position + 1 :])
        ]
    return refused


def plan_files(
    conn: duckdb.DuckDBPyConnection, paths: list[Path], date_of: Callable[[Path], date | None]
) -> tuple[list[PlannedFile], Exception | None]:
    """Every file up to the first one that cannot be loaded, and the error for that one (or None)."""
    planned: list[PlannedFile] = []
    failure: Exception | None = None
    for position, path in enumerate(paths):
        try:
            planned.append(_plan_file(position, path, date_of))
        except ValueError as exc:  # UnsupportedFileError, IngestFileError
            failure = exc
            break
    parquet = [f for f in planned if f.fmt == "parquet"]
    if parquet:
        bad = describe_parquet(conn, parquet)
        if bad is not None:
            position, error = bad
            planned, failure = planned[:position], error
    if planned:
        done = {
            batch_id
            for (batch_id,) in conn.execute(
                "SELECT batch_id FROM raw.ingest_batches WHERE batch_id IN (SELECT unnest(?))",
                [sorted({f.batch_id for f in planned})],
            ).fetchall()
        }
        for f in planned:
            f.already_loaded = f.batch_id in done
    return planned, failure


def check_file(path: Path) -> tuple[str, tuple[str, ...]]:
    """The file's format and (for CSV) its header, once its suffix, existence and columns pass."""
    fmt = file_format(path)
    if not path.is_file():
        raise IngestFileError(f"{path}: no such file")
    columns: tuple[str, ...] = ()
    if fmt == "csv":
        columns = tuple(_csv_header(path))
        check_columns(path, columns)
    return fmt, columns


def _plan_file(position: int, path: Path, date_of: Callable[[Path], date | None]) -> PlannedFile:
    fmt, columns = check_file(path)
    size = path.stat().st_size
    try:
        manifest = read_manifest(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise IngestFileError(f"{path}: its manifest ({MANIFEST_SUFFIX}) cannot be read: {exc}") from exc
    pinned = manifest.tenant_id if manifest else None
    return PlannedFile(
        position,
        path,
        fmt,
        batch_id_of(path, pinned),
        str(path.resolve()),
        date_of(path),
        size,
        columns=columns,
        rows=size // _TEXT_BYTES_PER_ROW + 1,
        pinned_tenant=pinned,
        received_at=manifest.received_at.astimezone(UTC).replace(tzinfo=None) if manifest else None,
    )


def _csv_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise IngestFileError(f"{path}: the CSV header is not UTF-8 text ({exc.reason})") from exc
    if not header:
        raise IngestFileError(
            f"{path}: empty CSV file; a usage CSV starts with a header row: {', '.join(CONTRACT_COLUMNS)}"
        )
    return [name.strip() for name in header]


def check_columns(path: Path, columns: Sequence[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in CONTRACT_COLUMNS]
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if problems:
        raise IngestFileError(
            f"{path}: {'; '.join(problems)}; a usage file has the columns "
            f"{', '.join(CONTRACT_COLUMNS)} (package_id and properties optional)"
        )


def describe_parquet(
    conn: duckdb.DuckDBPyConnection, files: list[PlannedFile]
) -> tuple[int, Exception] | None:
    """Fill in the columns, types and row counts of Parquet files from their footers, in two queries.

    Returns the position of the first file that cannot be loaded and its error, or None.
    """
    names = [str(f.path) for f in files]
    try:
        schema = conn.execute(
            "SELECT file_name, list(name ORDER BY column_id), list(duckdb_type ORDER BY column_id)"
            " FROM parquet_schema(?) WHERE column_id > 0 GROUP BY file_name",
            [names],
        ).fetchall()
        rows = dict(
            conn.execute("SELECT file_name, num_rows FROM parquet_file_metadata(?)", [names]).fetchall()
        )
    except duckdb.Error:
        # One unreadable file fails the whole list: find the first one, only on this error path.
        for f in files:
            try:
                conn.execute("SELECT count(*) FROM parquet_file_metadata(?)", [str(f.path)]).fetchall()
            except duckdb.Error as exc:
                return f.position, IngestFileError(f"{f.path}: cannot be read as parquet: {exc}")
        raise
    flat = {name: (cols, types) for name, cols, types in schema}
    by_schema: dict[tuple[object, ...], tuple[tuple[str, str], ...]] = {}
    for f in files:
        cols, types = flat.get(str(f.path), ([], []))
        f.rows = int(rows.get(str(f.path), 0))
        f.parquet_schema = tuple(zip(cols, types, strict=True))
        if f.parquet_schema not in by_schema:
            by_schema[f.parquet_schema] = _top_level_types(conn, f.path)
        f.parquet_types = by_schema[f.parquet_schema]
        # pandas writes a DataFrame's unnamed index as __index_level_0__ unless it is a plain range (any
        # filtered frame): it is the writer's bookkeeping, not a field, so it is left out, not refused.
        f.columns = tuple(name for name, _ in f.parquet_types if not PANDAS_INDEX.fullmatch(name))
    for f in files:
        try:
            check_columns(f.path, f.columns)
        except IngestFileError as exc:
            return f.position, exc
    return None


def _top_level_types(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[tuple[str, str], ...]:
    # parquet_schema flattens nested fields; the reader's own view gives the top-level columns and types,
    # once per distinct schema.
    described = conn.execute(f"DESCRIBE SELECT * FROM read_parquet({quote(str(path))})").fetchall()
    return tuple((str(row[0]), str(row[1])) for row in described)


def chunks(files: list[PlannedFile]) -> list[list[PlannedFile]]:
    chunks: list[list[PlannedFile]] = []
    rows = 0
    for f in files:
        if not chunks or len(chunks[-1]) >= CHUNK_FILES or (rows + f.rows > CHUNK_ROWS and chunks[-1]):
            chunks.append([])
            rows = 0
        chunks[-1].append(f)
        rows += f.rows
    return chunks
