"""Writing: dedupe against the chunk and the loaded events, then append events, quarantine and batch rows.

Only rows whose ``(tenant_id, event_id)`` hash repeats in the chunk or is the hash of a key already in
``raw.usage_events`` get the expensive treatment (numpy sorts the hashes, one semi-join finds the loaded
ones): the first occurrence wins, by ``(file_seq, row number)``, so an earlier file wins over a later one;
an exact repeat is a duplicate, a repeat with other content is quarantined as ``duplicate_id_conflict``. Every file gets one
``raw.ingest_batches`` row with ``received = loaded + duplicates + quarantined``, checked here.

There is no primary-key index on ``raw.usage_events``: the anti-join measured 8x faster than maintaining an
ART index over (tenant_id, event_id) at 10M rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest.loading.chunk import Chunk
from ingest.loading.classify import classify, plain_values
from ingest.loading.model import BatchResult
from ingest.loading.read import source
from ingest.validation import REASONS


def write(chunk: Chunk) -> dict[int, BatchResult]:
    """Dedupe and write; runs inside the caller's transaction, after reading and classification."""
    find_suspects(chunk)
    resolve_repeats(chunk)
    inserted = insert_events(chunk)
    results = insert_quarantine(chunk)
    loaded = sum(r.loaded for r in results.values())
    for r in results.values():
        if not r.is_reconciled or inserted != loaded:  # pragma: no cover - a bug, never bad data
            raise AssertionError(
                f"{r.source_uri}: reconciliation failed: received {r.received} != loaded {r.loaded} + "
                f"duplicates {r.duplicates} + quarantined {r.quarantined} (chunk inserted {inserted})"
            )
    ordered = [results[f.position] for f in chunk.files]
    chunk.conn.execute(
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
            chunk.loaded_at,
        ],
    )
    return results


def read_keys(chunk: Chunk, source: str) -> None:
    """Count the rows of each file, and find the 64-bit hashes of (tenant_id, id) that more than one row of
    the chunk has, from the key columns only (two columns of a columnar file).

    Runs before the transaction, on the source itself, before anything is known of the rows' validity:
    a hash shared with an invalid row, or a collision, only makes a row a suspect, which the exact
    comparison of :func:`resolve_repeats` (over valid rows only) clears. Rows without both key fields are
    invalid (missing_field) and never suspects. The hashes are sorted with numpy rather than grouped by
    DuckDB: at 8M rows DuckDB's hash aggregate (8M groups of one row) took 1.8-1.9 s of CPU, the fetch
    and the sort 1.1 s (decision 0063). 8 bytes a row, kept until the chunk is written: 80 MB for one
    10M-row file.
    """
    counts = dict(chunk.conn.execute(f"SELECT file_seq, count(*) FROM ({source}) GROUP BY ALL").fetchall())
    chunk.received = [int(counts.get(seq, 0)) for seq in range(len(chunk.files))]
    chunk.key_hash = np.sort(
        chunk.conn.execute(
            f"SELECT hash(tenant_id, id) AS key_hash FROM ({source}) WHERE id <> '' AND tenant_id <> ''"
        )
        .fetchnumpy()["key_hash"]
        .astype(np.uint64, copy=False)
    )
    ordered = chunk.key_hash
    chunk.repeated_hashes = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


def find_suspects(chunk: Chunk) -> None:
    """``_ingest_suspects``: the rows whose key hash repeats in the chunk or is the hash of a loaded event's
    key, with every column classified, for :func:`resolve_repeats`.

    The loaded hashes are looked up here, inside the transaction, so that what is loaded cannot change
    between the lookup and the write; the suspects' rows are read again from the source (key columns
    first), only when there are any."""
    suspect_hashes = chunk.repeated_hashes
    if len(chunk.key_hash):
        chunk.conn.register("_ingest_key_hashes_arrow", pa.table({"key_hash": pa.array(chunk.key_hash)}))
        try:
            loaded = (
                chunk.conn.execute(
                    """
                    SELECT DISTINCT hash(tenant_id, event_id) AS key_hash FROM raw.usage_events
                    WHERE hash(tenant_id, event_id) IN (SELECT key_hash FROM _ingest_key_hashes_arrow)
                    """
                )
                .fetchnumpy()["key_hash"]
                .astype(np.uint64, copy=False)
            )
        finally:
            chunk.conn.unregister("_ingest_key_hashes_arrow")
        suspect_hashes = np.union1d(suspect_hashes, loaded)
    rows = f"SELECT * FROM ({source(chunk)}) WHERE false"
    if len(suspect_hashes):
        chunk.conn.register("_ingest_suspect_hashes_arrow", pa.table({"key_hash": pa.array(suspect_hashes)}))
        try:
            chunk.conn.execute(
                f"""
                CREATE TEMP TABLE _ingest_suspects AS
                SELECT file_seq, row_no FROM ({source(chunk)})
                WHERE id <> '' AND tenant_id <> ''
                  AND hash(tenant_id, id) IN (SELECT key_hash FROM _ingest_suspect_hashes_arrow)
                """
            )
        finally:
            chunk.conn.unregister("_ingest_suspect_hashes_arrow")
        rows = f"SELECT s.* FROM ({source(chunk)}) AS s SEMI JOIN _ingest_suspects USING (file_seq, row_no)"
    classify(chunk, rows, "_ingest_suspect_rows", only_unplain=False)


def resolve_repeats(chunk: Chunk) -> None:
    """Resolve the suspects (:func:`find_suspects`): the valid rows whose (tenant_id, event_id) repeats in
    the chunk or is already loaded.

    Everything else is loaded as is, so only these rows get the expensive treatment: the first
    occurrence (the loaded event, else the lowest (file_seq, row number) here) is the reference, an
    exact repeat of it is a duplicate, any other content is a duplicate_id_conflict.
    """
    content = ("metric_id", "quantity", "occurred_at", "package_id", "properties")
    differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM ref.{c} THEN '{c}' END" for c in content)
    chunk.conn.execute(
        f"""
        CREATE TEMP TABLE _ingest_resolved AS
        WITH valid AS (
            SELECT file_seq, row_no, tenant_id, event_id, metric_id, quantity, occurred_at, package_id,
                   properties
            FROM _ingest_suspect_rows WHERE reason IS NULL
        ),
        repeated_keys AS (
            SELECT tenant_id, event_id FROM valid GROUP BY ALL HAVING count(*) > 1
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


def insert_events(chunk: Chunk) -> int:
    """Append the valid rows that are not repeats: the plain rows straight from the source (one scan,
    no wide temp table: only ``_ingest_rows``, the few rows that are not plain, is left out by an anti
    join), then the valid rows that are not plain from ``_ingest_rows``."""
    plain = plain_values()
    not_repeat = "ANTI JOIN (SELECT file_seq, row_no FROM _ingest_resolved WHERE status <> 'loaded') USING (file_seq, row_no)"
    total = 0
    for query in (
        f"""
        INSERT INTO raw.usage_events
        SELECT {", ".join(f"{plain[c]} AS {c}" for c in _EVENT_COLUMNS)}, f.batch_id, s.row_no, f.loaded_at
        FROM ({source(chunk)}) AS s JOIN _ingest_files AS f USING (file_seq)
        ANTI JOIN _ingest_rows USING (file_seq, row_no)
        {not_repeat}
        """,
        f"""
        INSERT INTO raw.usage_events
        SELECT {", ".join(f"r.{c}" for c in _EVENT_COLUMNS)}, f.batch_id, r.row_no, f.loaded_at
        FROM _ingest_rows AS r JOIN _ingest_files AS f USING (file_seq)
        {not_repeat}
        WHERE r.reason IS NULL
        """,
    ):
        row = chunk.conn.execute(query).fetchone()
        total += int(row[0]) if row else 0
    return total


_EVENT_COLUMNS = ("event_id", "tenant_id", "metric_id", "quantity", "occurred_at", "package_id", "properties")


def insert_quarantine(chunk: Chunk) -> dict[int, BatchResult]:
    """Quarantine rows; returns each file's result."""
    counted = chunk.conn.execute(
        """
        SELECT file_seq, 'row', reason, count(*) FROM _ingest_rows WHERE reason IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT file_seq, 'repeat', status, count(*) FROM _ingest_resolved WHERE status <> 'loaded' GROUP BY ALL
        """
    ).fetchall()
    chunk.conn.execute(
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
        chunk.conn.execute(
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
            JOIN ({source(chunk, conflicted)}) AS src ON src.file_seq = s.file_seq AND src.row_no = s.row_no
            JOIN _ingest_files AS f ON f.file_seq = s.file_seq
            WHERE s.status = 'duplicate_id_conflict'
            """
        )
    per_file: dict[int, dict[tuple[str, str], int]] = {}
    for seq, kind, status, n in counted:
        per_file.setdefault(int(seq), {})[(kind, status)] = int(n)
    results = {}
    for seq, f in enumerate(chunk.files):
        counts = per_file.get(seq, {})
        received = chunk.received[seq]
        invalid = sum(n for (kind, _), n in counts.items() if kind == "row")
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
            received - invalid - duplicates - conflicts,
            duplicates,
            quarantined,
            dict(sorted(reasons.items(), key=lambda item: REASONS.index(item[0]))),
        )
    return results
