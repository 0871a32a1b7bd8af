"""Writing: dedupe against the chunk and the loaded events, then append events, quarantine and batch rows.

Only rows whose ``(tenant_id, event_id)`` repeats in the chunk or is already in ``raw.usage_events`` get
the expensive treatment (one hash aggregate and one semi-join find them): the first occurrence wins, by
``(file_seq, row number)``, so an earlier file wins over a later one; an exact repeat is a duplicate, a
repeat with other content is quarantined as ``duplicate_id_conflict``. Every file gets one
``raw.ingest_batches`` row with ``received = loaded + duplicates + quarantined``, checked here.

There is no primary-key index on ``raw.usage_events``: the anti-join measured 8x faster than maintaining an
ART index over (tenant_id, event_id) at 10M rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest.loading.chunk import Chunk
from ingest.loading.model import BatchResult
from ingest.loading.read import source
from ingest.validation import REASONS


def write(chunk: Chunk) -> dict[int, BatchResult]:
    """Dedupe and write; runs inside the caller's transaction, after reading and classification."""
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


def resolve_repeats(chunk: Chunk) -> None:
    """Resolve the rows whose (tenant_id, event_id) repeats in the chunk or is already loaded.

    Everything else is loaded as is, so only these rows get the expensive treatment: the first
    occurrence (the loaded event, else the lowest (file_seq, row number) here) is the reference, an
    exact repeat of it is a duplicate, any other content is a duplicate_id_conflict.
    """
    content = ("metric_id", "quantity", "occurred_at", "package_id", "properties")
    differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM ref.{c} THEN '{c}' END" for c in content)
    find_repeated_hashes(chunk)
    chunk.conn.execute(
        f"""
        CREATE TEMP TABLE _ingest_resolved AS
        -- Not materialized: its three readers need only the key columns, which a scan of
        -- _ingest_rows reads faster than a 5M-row copy of every column is written (2.2 s a chunk).
        WITH valid AS NOT MATERIALIZED (
            SELECT file_seq, row_no, tenant_id, event_id, metric_id, quantity, occurred_at, package_id,
                   properties
            FROM _ingest_rows WHERE reason IS NULL
        ),
        repeated_hashes AS (SELECT key_hash FROM _ingest_repeated_hashes),
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


def find_repeated_hashes(chunk: Chunk) -> None:
    """``_ingest_repeated_hashes``: the 64-bit hashes of (tenant_id, event_id) that more than one valid row
    of the chunk has.

    Grouping on a hash of the key is several times cheaper than on the two strings; a collision only makes
    an innocent key a suspect, which the exact comparison of :func:`resolve_repeats` clears. The hashes
    are sorted with numpy rather than grouped by DuckDB: at 8M valid rows DuckDB's hash aggregate (8M
    groups of one row) took 1.8-1.9 s of CPU and 4.5-5.9 s of wall time on the shared 2-core machine,
    the fetch and the sort 1.1 s and 2.0-2.5 s (decision 0063). 8 bytes a row: 64 MB at 8M rows.
    """
    hashes = (
        chunk.conn.execute(
            "SELECT hash(tenant_id, event_id) AS key_hash FROM _ingest_rows WHERE reason IS NULL"
        )
        .fetchnumpy()["key_hash"]
        .astype(np.uint64, copy=False)
    )
    hashes.sort()
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    chunk.conn.register(
        "_ingest_repeated_hashes_arrow", pa.table({"key_hash": pa.array(repeated, pa.uint64())})
    )
    try:
        chunk.conn.execute(
            "CREATE TEMP TABLE _ingest_repeated_hashes AS SELECT key_hash FROM _ingest_repeated_hashes_arrow"
        )
    finally:
        chunk.conn.unregister("_ingest_repeated_hashes_arrow")


def insert_events(chunk: Chunk) -> int:
    row = chunk.conn.execute(
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


def insert_quarantine(chunk: Chunk) -> dict[int, BatchResult]:
    """Quarantine rows; returns each file's result."""
    counted = chunk.conn.execute(
        """
        SELECT file_seq, 'row', coalesce(reason, ''), count(*) FROM _ingest_rows GROUP BY ALL
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
