"""Load usage batch files (NDJSON, CSV, Parquet) into ``raw.usage_events`` (DESIGN 3.1).

One batch is one file, identified by the SHA-256 of its bytes, so loading the same file twice changes
nothing. Files are loaded many at a time: :func:`load_files` cuts the files it is given into chunks (in
input order, up to :data:`CHUNK_FILES` files or about :data:`CHUNK_ROWS` rows) and loads each chunk in
one transaction with a few set-based passes over all of its files at once:

1. **read and classify**: one multi-file scan per format (and per CSV header or Parquet schema), every
   row tagged with its file's position in the chunk (``file_seq``) and its row number in the file, read
   with an explicit all-VARCHAR schema; quantity and timestamp parsed and each row given at most one
   quarantine reason (precedence in :data:`REASONS`), into a temp table;
2. **dedupe**: find the rows whose ``(tenant_id, id)`` repeats within the chunk or already exists in
   ``raw.usage_events`` (one hash aggregate and one semi-join), and resolve only those few rows: the
   first occurrence wins, by ``(file_seq, row number)``, so an earlier file wins over a later one; an exact
   repeat is a duplicate, a repeat with other content is quarantined;
3. **write**: append the accepted rows, the quarantined rows and one ``raw.ingest_batches`` row per file
   (files without rows too) with ``received = loaded + duplicates + quarantined``.

Per-file work is limited to hashing the file (once) and, for CSV, reading its header line; per-statement
cost is paid per chunk, so a landing day of thousands of small intake files costs about what one big
file of the same rows does.

There is no primary-key index on ``raw.usage_events``: the anti-join of step 2 measured 8x faster than
maintaining an ART index over (tenant_id, event_id) at 10M rows.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from atom import clock
from atom.settings import get_settings
from ingest.landing import MANIFEST_SUFFIX, file_format, read_manifest
from ingest.raw_schema import create_raw_schema
from ingest.validation import (
    CONTRACT_COLUMNS,
    REASONS,
    REQUIRED_COLUMNS,
    detail_of,
    numbered_lines,
    parse_line,
    sql_stages,
)

# The rules of a valid event live in ingest/validation.py, shared with the intake API and the preview.
__all__ = ["REASONS", "REQUIRED_COLUMNS", "BatchResult", "IngestFileError", "load_file", "load_files"]

# A chunk is one transaction and one set of temp tables: large enough that per-statement costs vanish
# (and that the semi-join against raw.usage_events runs a few times per 10M rows, not once per file),
# small enough that the temp tables of a chunk stay within memory on the 24 GiB machines.
CHUNK_FILES = 2_000
CHUNK_ROWS = 5_000_000
# Text files are sized before they are read: usage records are 100-250 bytes, so this overestimates rows.
_TEXT_BYTES_PER_ROW = 100

_MAX_LINE_BYTES = 64 * 1024 * 1024
_CHUNK = 8 * 1024 * 1024


# Reasons whose detail the classify step writes itself (or the dedupe step does).
_OWN_DETAIL = ("malformed_record", "missing_field", "duplicate_id_conflict")


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


def load_files(
    conn: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    *,
    check_tenants: bool = True,
    landing_date_of: Callable[[Path], date | None] | None = None,
    check_received: bool = True,
) -> list[BatchResult]:
    """Load each file as one batch; one result per file, in the order given.

    ``check_received``: judge ``timestamp_out_of_range`` against the time each batch was received (its
    manifest's ``received_at``, else the time of this load, :func:`atom.clock.now`); a preview passes False
    and rates any period.

    Earlier files win duplicate ids. A file already loaded (or given twice: the second time) is skipped
    with zero counts. Files are loaded in chunks, each chunk in its own transaction, in input order.

    A file that cannot be read raises :class:`IngestFileError` naming it (a file with an unsupported
    suffix raises ``UnsupportedFileError``): the files before it are loaded and committed, it and the
    files after it are not. So a crash or an error at any point, followed by a rerun with the same files
    (the bad one fixed or removed), gives the same tables as one clean run: committed chunks are skipped
    as already loaded and every later file meets the same earlier events.
    """
    date_of = landing_date_of or landing_date_from_path
    _prepare(conn, check_tenants)
    window_days = get_settings().atom_event_max_age_days if check_received else None
    planned, failure = _plan(conn, [Path(f) for f in files], date_of)
    results: dict[int, BatchResult] = {}
    pending: list[_File] = []
    seen: set[str] = set()
    for item in planned:
        if item.batch_id in seen or item.already_loaded:
            results[item.position] = item.skipped()
        else:
            seen.add(item.batch_id)
            pending.append(item)
    for chunk in _chunks(pending):
        loaded, failure_in_chunk = _load_chunk(conn, chunk, check_tenants, window_days)
        results.update(loaded)
        if failure_in_chunk is not None:
            raise failure_in_chunk
    if failure is not None:
        raise failure
    return [results[i] for i in range(len(planned))]


def unreadable_files(conn: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> dict[Path, str]:
    """The files :func:`load_files` would refuse outright, each with the reason, found the way it plans
    them (suffix, CSV header, Parquet footer) without reading any rows or hashing any file.

    Callers set these aside before loading, so one unreadable file does not hold back every other batch.
    """
    refused: dict[Path, str] = {}
    parquet: list[_File] = []
    for path in map(Path, files):
        try:
            fmt, _columns = _check_file(path)
        except ValueError as exc:  # UnsupportedFileError, IngestFileError
            refused[path] = str(exc)
            continue
        if fmt == "parquet":  # footers are read together below, as load_files reads them
            parquet.append(_File(len(parquet), path, fmt, "", str(path), None, 0))
    while parquet:
        found = _describe_parquet(conn, parquet)
        if found is None:
            break
        position, error = found
        refused[parquet[position].path] = str(error)
        parquet = [
            dataclasses.replace(f, position=i)
            for i, f in enumerate(parquet[:position] + parquet[position + 1 :])
        ]
    return refused


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


def load_file(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    check_tenants: bool = True,
    landing_date: date | None = None,
    check_received: bool = True,
) -> BatchResult:
    """Load one usage file as one batch; see :func:`load_files`."""
    return load_files(
        conn,
        [path],
        check_tenants=check_tenants,
        landing_date_of=lambda _: landing_date,
        check_received=check_received,
    )[0]


def _prepare(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    create_raw_schema(conn)
    _check_reference_data(conn, check_tenants)


def _check_reference_data(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    # Without these every event would be quarantined, which is a setup mistake, not bad usage.
    if conn.execute("SELECT count(*) FROM raw.price_book_metrics").fetchone() == (0,):
        raise RuntimeError(
            "raw.price_book_metrics is empty: load the price book first "
            "(ingest.price_book_tables.write_price_book_tables), or every event is an unknown_metric"
        )
    if check_tenants and conn.execute("SELECT count(*) FROM raw.operational_tenants").fetchone() == (0,):
        raise RuntimeError(
            "raw.operational_tenants is empty: copy the operational tables first, or pass "
            "check_tenants=False for a preview that knows no tenants"
        )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_list(items: Sequence[object]) -> str:
    return "[" + ", ".join(_quote(i) if isinstance(i, str) else str(i) for i in items) + "]"


# -- planning: hash, check and size every file before any is read ------------------------------------------


@dataclass
class _File:
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


def _plan(
    conn: duckdb.DuckDBPyConnection, paths: list[Path], date_of: Callable[[Path], date | None]
) -> tuple[list[_File], Exception | None]:
    """Every file up to the first one that cannot be loaded, and the error for that one (or None)."""
    planned: list[_File] = []
    failure: Exception | None = None
    for position, path in enumerate(paths):
        try:
            planned.append(_plan_file(position, path, date_of))
        except ValueError as exc:  # UnsupportedFileError, IngestFileError
            failure = exc
            break
    parquet = [f for f in planned if f.fmt == "parquet"]
    if parquet:
        bad = _describe_parquet(conn, parquet)
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


def _check_file(path: Path) -> tuple[str, tuple[str, ...]]:
    """The file's format and (for CSV) its header, once its suffix, existence and columns pass."""
    fmt = file_format(path)
    if not path.is_file():
        raise IngestFileError(f"{path}: no such file")
    columns: tuple[str, ...] = ()
    if fmt == "csv":
        columns = tuple(_csv_header(path))
        _check_columns(path, columns)
    return fmt, columns


def _plan_file(position: int, path: Path, date_of: Callable[[Path], date | None]) -> _File:
    fmt, columns = _check_file(path)
    size = path.stat().st_size
    try:
        manifest = read_manifest(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise IngestFileError(f"{path}: its manifest ({MANIFEST_SUFFIX}) cannot be read: {exc}") from exc
    pinned = manifest.tenant_id if manifest else None
    return _File(
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


def _check_columns(path: Path, columns: Sequence[str]) -> None:
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


def _describe_parquet(conn: duckdb.DuckDBPyConnection, files: list[_File]) -> tuple[int, Exception] | None:
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
        f.columns = tuple(name for name, _ in f.parquet_types)
    for f in files:
        try:
            _check_columns(f.path, f.columns)
        except IngestFileError as exc:
            return f.position, exc
    return None


def _top_level_types(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[tuple[str, str], ...]:
    # parquet_schema flattens nested fields; the reader's own view gives the top-level columns and types,
    # once per distinct schema.
    described = conn.execute(f"DESCRIBE SELECT * FROM read_parquet({_quote(str(path))})").fetchall()
    return tuple((str(row[0]), str(row[1])) for row in described)


def _chunks(files: list[_File]) -> list[list[_File]]:
    chunks: list[list[_File]] = []
    rows = 0
    for f in files:
        if not chunks or len(chunks[-1]) >= CHUNK_FILES or (rows + f.rows > CHUNK_ROWS and chunks[-1]):
            chunks.append([])
            rows = 0
        chunks[-1].append(f)
        rows += f.rows
    return chunks


# -- loading a chunk ------------------------------------------------------------------------------------------


def _load_chunk(
    conn: duckdb.DuckDBPyConnection, files: list[_File], check_tenants: bool, window_days: int | None
) -> tuple[dict[int, BatchResult], Exception | None]:
    """Load a chunk; if a file of it cannot be read, load the files before it and return its error."""
    chunk = _Chunk(conn, files, check_tenants, window_days)
    try:
        try:
            # Reading and classifying fill temp tables only, so they run before the transaction: that
            # writes nothing to the warehouse, rows appended outside a transaction get row ids in scan
            # order, and temp tables built inside one go through transaction-local storage (1.5x slower).
            chunk.stage()
        except duckdb.Error as exc:
            chunk.drop_temp_tables()
            return _load_up_to_unreadable(conn, files, check_tenants, window_days, exc)
        conn.execute("BEGIN TRANSACTION")
        try:
            done = chunk.loaded_meanwhile()
            if done:
                # Another connection loaded some of these files since they were planned: start over.
                conn.execute("ROLLBACK")
                chunk.drop_temp_tables()
                results = {f.position: f.skipped() for f in files if f.batch_id in done}
                rest = [f for f in files if f.batch_id not in done]
                more, failure = _load_chunk(conn, rest, check_tenants, window_days) if rest else ({}, None)
                return results | more, failure
            results = chunk.write()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return results, None
    finally:
        chunk.drop_temp_tables()


def _load_up_to_unreadable(
    conn: duckdb.DuckDBPyConnection,
    files: list[_File],
    check_tenants: bool,
    window_days: int | None,
    error: duckdb.Error,
) -> tuple[dict[int, BatchResult], Exception | None]:
    # Only on this error path: read the files one at a time to find the first unreadable one.
    for index, f in enumerate(files):
        probe = _Chunk(conn, [f], check_tenants, window_days)
        try:
            probe.stage()
        except duckdb.Error as exc:
            probe.drop_temp_tables()
            failure = IngestFileError(f"{f.path}: cannot be read as {f.fmt}: {exc}")
            if not index:
                return {}, failure
            loaded, earlier = _load_chunk(conn, files[:index], check_tenants, window_days)
            return loaded, earlier or failure
        probe.drop_temp_tables()
    names = ", ".join(str(f.path) for f in files)
    return {}, IngestFileError(f"{names}: cannot be read together: {error}")


_TEMP_TABLES = (
    "_ingest_files",
    "_ingest_read",
    "_ingest_reject_rows",
    "_ingest_rejects",
    "_ingest_reject_scans",
    "_ingest_csv",
    "_ingest_ndjson",
    "_ingest_rows",
    "_ingest_resolved",
)
_TEXT_COLUMNS = ", ".join(f"{c} VARCHAR" for c in CONTRACT_COLUMNS)


class _Chunk:
    """The SQL of loading many files at once; rows carry ``file_seq``, the file's index in ``files``."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        files: list[_File],
        check_tenants: bool,
        window_days: int | None,
    ) -> None:
        self.conn = conn
        self.files = files
        self.check_tenants = check_tenants
        self.window_days = window_days
        # "Received" of a batch without a manifest: this load (the platform's clock, ATOM_TODAY aware).
        self.now = clock.now().astimezone(UTC).replace(tzinfo=None)
        started = datetime.now(UTC).replace(tzinfo=None)
        # All files of a chunk commit together; a microsecond apart keeps loaded_at in load order.
        self.loaded_at = [started + timedelta(microseconds=seq) for seq in range(len(files))]
        self.scans: dict[tuple[object, ...], list[int]] = {}
        for seq, f in enumerate(files):
            self.scans.setdefault(f.scan_key, []).append(seq)

    def drop_temp_tables(self) -> None:
        existing = {
            name
            for (name,) in self.conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_ingest_')"
            ).fetchall()
        }
        for table in _TEMP_TABLES:
            if table in existing:
                self.conn.execute(f"DROP TABLE temp.{table}")

    def stage(self) -> None:
        """Read and classify every file of the chunk into ``_ingest_rows``."""
        self.conn.execute(
            "CREATE TEMP TABLE _ingest_files AS SELECT CAST(unnest(?) AS INTEGER) AS file_seq, unnest(?) AS batch_id,"
            " unnest(?) AS loaded_at, CAST(unnest(?) AS TIMESTAMP) AS received_at,"
            " CAST(unnest(?) AS VARCHAR) AS pinned_tenant",
            [
                list(range(len(self.files))),
                [f.batch_id for f in self.files],
                self.loaded_at,
                [f.received_at or self.now for f in self.files],
                [f.pinned_tenant for f in self.files],
            ],
        )
        for seqs in self.scans.values():
            fmt = self.files[seqs[0]].fmt
            if fmt == "csv":
                self._stage_csv(seqs)
            elif fmt == "ndjson":
                self._stage_ndjson(seqs)
        self._classify(self._source())

    def loaded_meanwhile(self) -> set[str]:
        return {
            batch_id
            for (batch_id,) in self.conn.execute(
                "SELECT batch_id FROM raw.ingest_batches WHERE batch_id IN (SELECT batch_id FROM _ingest_files)"
            ).fetchall()
        }

    def write(self) -> dict[int, BatchResult]:
        """Dedupe and write; runs inside the caller's transaction, after :meth:`stage`."""
        self._resolve_repeats()
        inserted = self._insert_events()
        results = self._insert_quarantine()
        loaded = sum(r.loaded for r in results.values())
        for r in results.values():
            if not r.is_reconciled or inserted != loaded:  # pragma: no cover - a bug, never bad data
                raise AssertionError(
                    f"{r.source_uri}: reconciliation failed: received {r.received} != loaded {r.loaded} + "
                    f"duplicates {r.duplicates} + quarantined {r.quarantined} (chunk inserted {inserted})"
                )
        ordered = [results[f.position] for f in self.files]
        self.conn.execute(
            """
            INSERT INTO raw.ingest_batches
            SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), unnest(?),
                   unnest(?)
            """,
            [
                [r.batch_id for r in ordered],
                [r.source_uri for r in ordered],
                [r.file_format for r in ordered],
                [r.landing_date for r in ordered],
                [r.received for r in ordered],
                [r.loaded for r in ordered],
                [r.duplicates for r in ordered],
                [r.quarantined for r in ordered],
                self.loaded_at,
            ],
        )
        return results

    # -- reading ------------------------------------------------------------------------------------------

    def _source(self, only: Sequence[int] | None = None) -> str:
        """A query with ``file_seq, row_no, id, tenant_id, metric, quantity, timestamp, package_id,
        properties, raw_record, malformed_detail, record_reason``, all VARCHAR but the first two; ``only``
        limits it to those files. ``record_reason`` is malformed_record for an unreadable record, or the
        reason the intake API landed a record as rejected with."""
        wanted = None if only is None else set(only)
        parts = []
        has_csv = has_ndjson = False
        for seqs in self.scans.values():
            fmt = self.files[seqs[0]].fmt
            if fmt == "parquet":
                chosen = [s for s in seqs if wanted is None or s in wanted]
                if chosen:
                    parts.append(self._parquet_source(chosen))
            has_csv |= fmt == "csv"
            has_ndjson |= fmt == "ndjson"
        where = "" if only is None else f" WHERE file_seq IN ({', '.join(map(str, sorted(wanted or {-1})))})"
        if has_csv:
            parts.append(
                f"SELECT file_seq, row_no, {', '.join(CONTRACT_COLUMNS)}, raw_line AS raw_record,"
                " reject_detail AS malformed_detail,"
                f" CASE WHEN reject_detail IS NOT NULL THEN 'malformed_record' END AS record_reason FROM _ingest_csv{where}"
            )
        if has_ndjson:
            parts.append(
                f"SELECT file_seq, row_no, {', '.join(CONTRACT_COLUMNS)}, raw_record, malformed_detail,"
                f" record_reason FROM _ingest_ndjson{where}"
            )
        return "\nUNION ALL\n".join(parts)

    def _parquet_source(self, seqs: list[int]) -> str:
        files = [self.files[s] for s in seqs]
        types = dict(files[0].parquet_types)
        relation = f"read_parquet({_sql_list([str(f.path) for f in files])}, file_row_number = true)"
        exprs = {
            name: _as_text(_ident(name), types[name]) if name in files[0].columns else "NULL"
            for name in CONTRACT_COLUMNS
        }
        return f"""
            SELECT {_sql_list(seqs)}[CAST(file_index AS BIGINT) + 1] AS file_seq, file_row_number + 1 AS row_no,
                   {", ".join(f"{exprs[c]} AS {c}" for c in CONTRACT_COLUMNS)},
                   NULL AS raw_record,
                   NULL AS malformed_detail,
                   NULL AS record_reason
            FROM {relation}
        """

    def _stage_csv(self, seqs: list[int]) -> None:
        header = self.files[seqs[0]].columns
        column_types = ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in header)
        self.conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS _ingest_csv (file_seq INTEGER, row_no BIGINT, {_TEXT_COLUMNS},"
            " raw_line VARCHAR, reject_detail VARCHAR)"
        )
        self._stage_text(
            seqs,
            f"""read_csv({{files}}, header = true, auto_detect = false,
                         columns = {{{{{column_types}}}}}, delim = ',', quote = '"', escape = '"',
                         encoding = 'utf-8', store_rejects = true, rejects_table = '_ingest_rejects',
                         rejects_scan = '_ingest_reject_scans', max_line_size = {_MAX_LINE_BYTES})""",
            target="_ingest_csv",
            fields=", ".join(
                f"{_ident(c)} AS {c}" if c in header else f"NULL AS {c}" for c in CONTRACT_COLUMNS
            ),
            # DuckDB numbers lines from the header (line 1); records are numbered from the first data row.
            header_lines=1,
        )

    def _stage_ndjson(self, seqs: list[int]) -> None:
        """NDJSON records through :func:`ingest.validation.parse_line`, the intake API's own reader, so a
        line means the same to both: lines split on ``\\n`` only, strict JSON, no repeated key.

        Written by hand, not DuckDB's JSON reader: that one splits lines on a bare CR, stops at control
        bytes, keeps the first of two repeated keys and accepts trailing commas, NaN and Infinity (issue 11),
        and none of it can be switched off. Records go to DuckDB as Arrow columns, in batches."""
        import pyarrow as pa

        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _ingest_ndjson (file_seq INTEGER, row_no BIGINT,"
            f" {_TEXT_COLUMNS}, raw_record VARCHAR, malformed_detail VARCHAR, record_reason VARCHAR)"
        )
        names = ["file_seq", "row_no", *CONTRACT_COLUMNS, "raw_record", "malformed_detail", "record_reason"]
        for seq in seqs:
            columns: list[list[object]] = [[] for _ in names]
            with open(self.files[seq].path, "rb") as handle:
                lines = numbered_lines(handle.read())
            for row_no, line in lines:
                record = parse_line(line)
                values = [seq, row_no, *(record.fields[c] for c in CONTRACT_COLUMNS)]
                values += [record.raw, record.detail, record.reason]
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
            if not lines:
                continue
            table = pa.table(
                {
                    name: pa.array(
                        column,
                        type=pa.int32()
                        if name == "file_seq"
                        else pa.int64()
                        if name == "row_no"
                        else pa.string(),
                    )
                    for name, column in zip(names, columns, strict=True)
                }
            )
            self.conn.register("_ingest_ndjson_arrow", table)
            try:
                self.conn.execute("INSERT INTO _ingest_ndjson BY NAME SELECT * FROM _ingest_ndjson_arrow")
            finally:
                self.conn.unregister("_ingest_ndjson_arrow")

    def _stage_text(self, seqs: list[int], reader: str, target: str, fields: str, header_lines: int) -> None:
        """Append a CSV-reader scan of many files to ``target`` with record numbers; records the reader
        rejects become rows too.

        The reader has no row-number column, so the scan goes into a temp table in scan order (files in
        list order, each in file order: insertion order is preserved) and ``rowid`` numbers it; records it
        could not parse (bad encoding, wrong column count) are kept out by ``store_rejects`` and brought
        back here as malformed rows.
        """
        # Empty files hold no record, and the CSV reader refuses a list with only empty files.
        readable = [s for s in seqs if self.files[s].size > 0]
        if not readable:
            return
        files = _sql_list([str(self.files[s].path) for s in readable])
        file_seq = f"{_sql_list(readable)}[CAST(file_index AS BIGINT) + 1]"
        self.conn.execute(
            f"CREATE TEMP TABLE _ingest_read AS SELECT file_index, {fields} FROM {reader.format(files=files)}"
        )
        # A line may break more than one rule; it is still one record.
        self.conn.execute(
            f"""
            CREATE TEMP TABLE _ingest_reject_rows AS
            SELECT file_id AS file_index, line - {header_lines} AS row_no,
                   trim(arg_min(csv_line, error_type), e'\\r\\n') AS raw_line,
                   'unreadable record (' || lower(CAST(min(error_type) AS VARCHAR)) || ')' AS reject_detail
            FROM _ingest_rejects GROUP BY ALL
            """
        )
        has_rejects = self.conn.execute("SELECT count(*) FROM _ingest_reject_rows").fetchone() != (0,)
        numbered = """
            WITH scanned AS (SELECT rowid AS scan_no, * FROM _ingest_read),
            firsts AS (SELECT file_index, min(scan_no) AS first_no FROM scanned GROUP BY file_index)
            SELECT s.file_index, s.scan_no - f.first_no + 1 AS k, s.* EXCLUDE (file_index, scan_no)
            FROM scanned AS s JOIN firsts AS f USING (file_index)
        """
        if not has_rejects:
            self.conn.execute(
                f"INSERT INTO {target} BY NAME SELECT {file_seq} AS file_seq, k AS row_no, * EXCLUDE (file_index, k)"
                f" FROM ({numbered})"
            )
        else:
            # The k-th accepted record of a file is record k plus the rejected records of the file before
            # it; only the files with rejects pay for counting them.
            self.conn.execute(
                f"""
                INSERT INTO {target} BY NAME
                WITH accepted AS ({numbered}),
                gaps AS (
                    SELECT file_index,
                           row_no - row_number() OVER (PARTITION BY file_index ORDER BY row_no) AS accepted_before
                    FROM _ingest_reject_rows
                )
                SELECT {file_seq} AS file_seq, k AS row_no, * EXCLUDE (file_index, k)
                FROM accepted ANTI JOIN gaps USING (file_index)
                UNION ALL BY NAME
                SELECT {file_seq} AS file_seq,
                       k + (SELECT count(*) FROM gaps AS g
                            WHERE g.file_index = a.file_index AND g.accepted_before < a.k) AS row_no,
                       * EXCLUDE (file_index, k)
                FROM accepted AS a SEMI JOIN gaps USING (file_index)
                """
            )
            line = ", raw_line AS line" if target == "_ingest_ndjson" else ""
            self.conn.execute(
                f"INSERT INTO {target} BY NAME SELECT {file_seq} AS file_seq, row_no, raw_line, reject_detail{line}"
                " FROM _ingest_reject_rows"
            )
        for table in ("_ingest_read", "_ingest_reject_rows", "_ingest_rejects", "_ingest_reject_scans"):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")

    # -- classify -----------------------------------------------------------------------------------------

    def _classify(self, source: str) -> None:
        """Give every row at most one reason, in the order of :data:`ingest.validation.REASONS`, with the
        rules of :func:`ingest.validation.sql_stages` (the SQL twin of the API's Python checks)."""
        tenant_check = (
            "WHEN tenant_id NOT IN (SELECT tenant_id FROM raw.operational_tenants) THEN 'unknown_tenant'"
            if self.check_tenants
            else ""
        )
        window = (
            f"""WHEN occurred_at < received_at - INTERVAL {int(self.window_days)} DAY
                     OR occurred_at > received_at + INTERVAL 1 DAY THEN 'timestamp_out_of_range'"""
            if self.window_days is not None
            else ""
        )
        missing = " OR ".join(f"{c} IS NULL OR {c} = ''" for c in REQUIRED_COLUMNS)
        missing_list = ", ".join(
            f"CASE WHEN {c} IS NULL OR {c} = '' THEN '{c}' END" for c in REQUIRED_COLUMNS
        )
        stages = sql_stages("timestamp", "quantity")
        stage_ctes = ",\n".join(
            f"stage_{n} AS (SELECT *, {', '.join(exprs)} FROM {'source' if n == 0 else f'stage_{n - 1}'})"
            for n, exprs in enumerate(stages)
        )
        sample: dict[str, str | None] = dict.fromkeys(CONTRACT_COLUMNS, "\x00")

        def words(reason: str) -> str:
            # detail_of's text with each field spliced in as SQL, so both paths say the same thing.
            parts = detail_of(reason, sample).split("\x00")
            fields = {
                "tenant_mismatch": "tenant_id",
                "unknown_tenant": "tenant_id",
                "unknown_metric": "metric",
            }
            column = fields.get(reason, "timestamp" if "timestamp" in reason else "quantity")
            return f" || coalesce({column}, '') || ".join(_quote(part) for part in parts)

        self.conn.execute(
            f"""
            CREATE TEMP TABLE _ingest_rows AS
            WITH source AS (
                SELECT s.*, f.received_at, f.pinned_tenant
                FROM ({source}) AS s JOIN _ingest_files AS f USING (file_seq)
            ),
            {stage_ctes},
            parsed AS (
                SELECT *,
                    CASE
                        WHEN properties IS NULL OR properties IN ('{{}}', '', 'null') THEN '{{}}'
                        ELSE CAST(try(json(properties)) AS VARCHAR)
                    END AS properties_json,
                    nullif(package_id, '') AS package
                FROM stage_{len(stages) - 1}
            ),
            checked AS (
                SELECT *,
                    CASE
                        WHEN record_reason IS NOT NULL THEN record_reason
                        WHEN properties_json IS NULL OR NOT starts_with(properties_json, '{{') THEN 'malformed_record'
                        WHEN pinned_tenant IS NOT NULL AND tenant_id <> '' AND tenant_id <> pinned_tenant
                            THEN 'tenant_mismatch'
                        WHEN {missing} THEN 'missing_field'
                        WHEN occurred_at IS NULL THEN 'bad_timestamp'
                        {window}
                        WHEN quantity_reason IS NOT NULL THEN quantity_reason
                        WHEN metric NOT IN (SELECT metric_id FROM raw.price_book_metrics) THEN 'unknown_metric'
                        {tenant_check}
                    END AS reason
                FROM parsed
            )
            SELECT
                CAST(file_seq AS INTEGER) AS file_seq,
                row_no,
                id AS event_id,
                tenant_id,
                metric AS metric_id,
                CASE WHEN reason IS NULL THEN quantity_value END AS quantity,
                occurred_at,
                package AS package_id,
                properties_json AS properties,
                reason,
                CASE WHEN reason IS NOT NULL THEN CASE
                    WHEN record_reason IS NOT NULL THEN malformed_detail
                    WHEN reason = 'malformed_record' THEN 'properties is not a JSON object'
                    WHEN reason = 'missing_field' THEN 'missing field(s): ' || concat_ws(', ', {missing_list})
                    {" ".join(f"WHEN reason = '{r}' THEN {words(r)}" for r in REASONS if r not in _OWN_DETAIL)}
                END END AS detail,
                CASE WHEN reason IS NOT NULL THEN coalesce(raw_record, CAST(to_json({{
                    'id': id, 'tenant_id': tenant_id, 'metric': metric, 'quantity': quantity,
                    'timestamp': timestamp, 'package_id': package_id, 'properties': properties
                }}) AS VARCHAR)) END AS raw_record
            FROM checked
            """
        )

    # -- dedupe -------------------------------------------------------------------------------------------

    def _resolve_repeats(self) -> None:
        """Resolve the rows whose (tenant_id, event_id) repeats in the chunk or is already loaded.

        Everything else is loaded as is, so only these rows get the expensive treatment: the first
        occurrence (the loaded event, else the lowest (file_seq, row number) here) is the reference, an
        exact repeat of it is a duplicate, any other content is a duplicate_id_conflict.
        """
        content = ("metric_id", "quantity", "occurred_at", "package_id", "properties")
        differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM ref.{c} THEN '{c}' END" for c in content)
        self.conn.execute(
            f"""
            CREATE TEMP TABLE _ingest_resolved AS
            -- Not materialized: its three readers need only the key columns, which a scan of
            -- _ingest_rows reads faster than a 5M-row copy of every column is written (2.2 s a chunk).
            WITH valid AS NOT MATERIALIZED (
                SELECT file_seq, row_no, tenant_id, event_id, metric_id, quantity, occurred_at, package_id,
                       properties
                FROM _ingest_rows WHERE reason IS NULL
            ),
            -- Grouping on a 64-bit hash of the key is several times cheaper than on the two strings; a
            -- collision only makes an innocent key a suspect, which the exact comparison below clears.
            repeated_hashes AS (
                SELECT hash(tenant_id, event_id) AS key_hash FROM valid GROUP BY key_hash HAVING count(*) > 1
            ),
            repeated_keys AS (
                SELECT DISTINCT tenant_id, event_id FROM valid
                WHERE hash(tenant_id, event_id) IN (SELECT key_hash FROM repeated_hashes)
            ),
            -- The same hash first against the loaded events (10M rows at the 10M benchmark), then the
            -- exact keys of the few candidates only.
            loaded_candidates AS (
                SELECT tenant_id, event_id FROM raw.usage_events
                WHERE hash(tenant_id, event_id) IN (SELECT hash(tenant_id, event_id) FROM valid)
            ),
            loaded_keys AS (
                SELECT DISTINCT v.tenant_id, v.event_id
                FROM valid AS v SEMI JOIN loaded_candidates AS c
                    ON v.tenant_id = c.tenant_id AND v.event_id = c.event_id
            ),
            suspect_keys AS (SELECT * FROM repeated_keys UNION SELECT * FROM loaded_keys),
            suspects AS (
                SELECT v.*, row_number() OVER (
                    PARTITION BY v.tenant_id, v.event_id ORDER BY v.file_seq, v.row_no) AS nth
                FROM valid AS v SEMI JOIN suspect_keys AS k
                    ON v.tenant_id = k.tenant_id AND v.event_id = k.event_id
            ),
            reference AS (
                SELECT e.tenant_id, e.event_id, e.metric_id, e.quantity, e.occurred_at, e.package_id,
                       e.properties, e.batch_id AS first_batch_id, e.source_row_number AS first_row_no,
                       CAST(NULL AS INTEGER) AS first_file_seq
                FROM raw.usage_events AS e SEMI JOIN loaded_keys AS k
                    ON e.tenant_id = k.tenant_id AND e.event_id = k.event_id
                UNION ALL
                SELECT s.tenant_id, s.event_id, s.metric_id, s.quantity, s.occurred_at, s.package_id,
                       s.properties, f.batch_id, s.row_no, s.file_seq
                FROM suspects AS s JOIN _ingest_files AS f USING (file_seq)
                ANTI JOIN loaded_keys AS k ON s.tenant_id = k.tenant_id AND s.event_id = k.event_id
                WHERE s.nth = 1
            )
            SELECT r.file_seq, r.row_no,
                CASE
                    WHEN ref.first_file_seq = r.file_seq AND ref.first_row_no = r.row_no THEN 'loaded'
                    WHEN concat_ws('', {differs}) = '' THEN 'duplicate'
                    ELSE 'duplicate_id_conflict'
                END AS status,
                'event ' || r.event_id || ' of tenant ' || r.tenant_id || ' differs in '
                    || concat_ws(', ', {differs}) || ' from its first occurrence (batch '
                    || ref.first_batch_id || ', row ' || ref.first_row_no || ')' AS detail
            FROM suspects AS r JOIN reference AS ref
                ON r.tenant_id = ref.tenant_id AND r.event_id = ref.event_id
            """
        )

    # -- write --------------------------------------------------------------------------------------------

    def _insert_events(self) -> int:
        row = self.conn.execute(
            """
            INSERT INTO raw.usage_events
            SELECT r.event_id, r.tenant_id, r.metric_id, r.quantity, r.occurred_at, r.package_id, r.properties,
                   f.batch_id, r.row_no, f.loaded_at
            FROM _ingest_rows AS r JOIN _ingest_files AS f USING (file_seq)
            WHERE r.reason IS NULL
              AND NOT EXISTS (
                  SELECT 1 FROM _ingest_resolved AS s
                  WHERE s.file_seq = r.file_seq AND s.row_no = r.row_no AND s.status <> 'loaded')
            """
        ).fetchone()
        return int(row[0]) if row else 0

    def _insert_quarantine(self) -> dict[int, BatchResult]:
        """Quarantine rows; returns each file's result."""
        counted = self.conn.execute(
            """
            SELECT file_seq, 'row', coalesce(reason, ''), count(*) FROM _ingest_rows GROUP BY ALL
            UNION ALL
            SELECT file_seq, 'repeat', status, count(*) FROM _ingest_resolved WHERE status <> 'loaded' GROUP BY ALL
            """
        ).fetchall()
        self.conn.execute(
            """
            INSERT INTO raw.usage_quarantine
            SELECT f.batch_id, r.row_no, r.event_id, r.tenant_id, r.reason, r.detail, r.raw_record, f.loaded_at
            FROM _ingest_rows AS r JOIN _ingest_files AS f USING (file_seq)
            WHERE r.reason IS NOT NULL
            """
        )
        conflicted = sorted({seq for seq, kind, status, _ in counted if status == "duplicate_id_conflict"})
        if conflicted:
            # The raw text of accepted rows is not kept (it would double the chunk's footprint), so the
            # few conflicting rows are read again, from the files that hold them only.
            self.conn.execute(
                f"""
                INSERT INTO raw.usage_quarantine
                SELECT f.batch_id, s.row_no, src.id, src.tenant_id, 'duplicate_id_conflict', s.detail,
                       coalesce(src.raw_record, CAST(to_json({{
                           'id': src.id, 'tenant_id': src.tenant_id, 'metric': src.metric,
                           'quantity': src.quantity, 'timestamp': src.timestamp,
                           'package_id': src.package_id, 'properties': src.properties
                       }}) AS VARCHAR)),
                       f.loaded_at
                FROM _ingest_resolved AS s
                JOIN ({self._source(conflicted)}) AS src ON src.file_seq = s.file_seq AND src.row_no = s.row_no
                JOIN _ingest_files AS f ON f.file_seq = s.file_seq
                WHERE s.status = 'duplicate_id_conflict'
                """
            )
        per_file: dict[int, dict[tuple[str, str], int]] = {}
        for seq, kind, status, n in counted:
            per_file.setdefault(int(seq), {})[(kind, status)] = int(n)
        results = {}
        for seq, f in enumerate(self.files):
            counts = per_file.get(seq, {})
            received = sum(n for (kind, _), n in counts.items() if kind == "row")
            reasons = {reason: n for (kind, reason), n in counts.items() if kind == "row" and reason}
            conflicts = counts.get(("repeat", "duplicate_id_conflict"), 0)
            if conflicts:
                reasons["duplicate_id_conflict"] = conflicts
            duplicates = counts.get(("repeat", "duplicate"), 0)
            quarantined = sum(reasons.values())
            results[f.position] = BatchResult(
                f.batch_id,
                f.source_uri,
                f.fmt,
                f.landing_date,
                received,
                counts.get(("row", ""), 0) - duplicates - conflicts,
                duplicates,
                quarantined,
                dict(sorted(reasons.items(), key=lambda item: REASONS.index(item[0]))),
            )
        return results


def _as_text(column: str, duckdb_type: str) -> str:
    """A Parquet column as the text a sender would have written (the demo's Parquet is all strings)."""
    kind = duckdb_type.upper()
    if kind == "VARCHAR":
        return column
    if kind == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(make_timestamp(epoch_us({column})), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if kind.startswith("TIMESTAMP"):
        # A Parquet timestamp not marked as UTC-adjusted is taken as UTC: the contract stores UTC.
        return f"strftime(CAST({column} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if kind.startswith(("STRUCT", "MAP")) or kind.endswith("[]") or kind == "JSON":
        return f"CAST(to_json({column}) AS VARCHAR)"
    return f"CAST({column} AS VARCHAR)"
