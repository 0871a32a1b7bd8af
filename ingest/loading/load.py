"""Loading: plan the files, then for each chunk read and classify (temp tables), dedupe and write (one
transaction). See :mod:`ingest.loader` for the contract."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from atom.settings import get_settings
from ingest.loading.chunk import Chunk
from ingest.loading.classify import classify
from ingest.loading.model import BatchResult, IngestFileError, PlannedFile
from ingest.loading.plan import chunks, landing_date_from_path, plan_files, prepare
from ingest.loading.read import source, stage_csv, stage_ndjson
from ingest.loading.write import read_keys, write


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
    prepare(conn, check_tenants)
    window_days = get_settings().atom_event_max_age_days if check_received else None
    planned, failure = plan_files(conn, [Path(f) for f in files], date_of)
    results: dict[int, BatchResult] = {}
    pending: list[PlannedFile] = []
    seen: set[str] = set()
    for item in planned:
        if item.batch_id in seen or item.already_loaded:
            results[item.position] = item.skipped()
        else:
            seen.add(item.batch_id)
            pending.append(item)
    for chunk in chunks(pending):
        loaded, failure_in_chunk = load_chunk(conn, chunk, check_tenants, window_days)
        results.update(loaded)
        if failure_in_chunk is not None:
            raise failure_in_chunk
    if failure is not None:
        raise failure
    return [results[i] for i in range(len(planned))]


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


def stage(chunk: Chunk) -> None:
    """Read and classify every file of the chunk: the rows that are not plain into ``_ingest_rows`` (temp
    tables only), every row's key into ``chunk`` (:func:`ingest.loading.write.read_keys`)."""
    chunk.conn.execute(
        "CREATE TEMP TABLE _ingest_files AS SELECT CAST(unnest(?) AS INTEGER) AS file_seq, unnest(?) AS batch_id,"
        " unnest(?) AS loaded_at, CAST(unnest(?) AS TIMESTAMP) AS received_at,"
        " CAST(unnest(?) AS VARCHAR) AS pinned_tenant",
        [
            list(range(len(chunk.files))),
            [f.batch_id for f in chunk.files],
            chunk.loaded_at,
            [f.received_at or chunk.now for f in chunk.files],
            [f.pinned_tenant for f in chunk.files],
        ],
    )
    for seqs in chunk.scans.values():
        fmt = chunk.files[seqs[0]].fmt
        if fmt == "csv":
            stage_csv(chunk, seqs)
        elif fmt == "ndjson":
            stage_ndjson(chunk, seqs)
    classify(chunk, source(chunk))
    read_keys(chunk, source(chunk))


def load_chunk(
    conn: duckdb.DuckDBPyConnection, files: list[PlannedFile], check_tenants: bool, window_days: int | None
) -> tuple[dict[int, BatchResult], Exception | None]:
    """Load a chunk; if a file of it cannot be read, load the files before it and return its error."""
    chunk = Chunk(conn, files, check_tenants, window_days)
    try:
        try:
            # Reading and classifying fill temp tables only, so they run before the transaction: that
            # writes nothing to the warehouse, rows appended outside a transaction get row ids in scan
            # order, and temp tables built inside one go through transaction-local storage (1.5x slower).
            stage(chunk)
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
                more, failure = load_chunk(conn, rest, check_tenants, window_days) if rest else ({}, None)
                return results | more, failure
            results = write(chunk)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return results, None
    finally:
        chunk.drop_temp_tables()


def _load_up_to_unreadable(
    conn: duckdb.DuckDBPyConnection,
    files: list[PlannedFile],
    check_tenants: bool,
    window_days: int | None,
    error: duckdb.Error,
) -> tuple[dict[int, BatchResult], Exception | None]:
    # Only on this error path: read the files one at a time to find the first unreadable one.
    for index, f in enumerate(files):
        probe = Chunk(conn, [f], check_tenants, window_days)
        try:
            stage(probe)
        except duckdb.Error as exc:
            probe.drop_temp_tables()
            failure = IngestFileError(f"{f.path}: cannot be read as {f.fmt}: {exc}")
            if not index:
                return {}, failure
            loaded, earlier = load_chunk(conn, files[:index], check_tenants, window_days)
            return loaded, earlier or failure
        probe.drop_temp_tables()
    names = ", ".join(str(f.path) for f in files)
    return {}, IngestFileError(f"{names}: cannot be read together: {error}")
