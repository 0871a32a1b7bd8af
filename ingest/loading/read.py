"""Reading: the three readers (Parquet, CSV, NDJSON), each one multi-file scan per chunk.

Every reader yields the same columns (:func:`source`): ``file_seq, row_no``, the seven contract fields as
text, and for records that could not be read ``raw_record``, ``malformed_detail`` and ``record_reason``.
Parquet is read in place by the classification query; CSV and NDJSON are staged into temp tables first
(the CSV reader has no row-number column, NDJSON goes through the intake API's own strict reader).
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.loading.chunk import Chunk
from ingest.loading.model import ident, quote, sql_list
from ingest.validation import CONTRACT_COLUMNS, numbered_lines, record_columns

_MAX_LINE_BYTES = 64 * 1024 * 1024
_TEXT_COLUMNS = ", ".join(f"{c} VARCHAR" for c in CONTRACT_COLUMNS)


def source(chunk: Chunk, only: Sequence[int] | None = None) -> str:
    """A query with ``file_seq, row_no, id, tenant_id, metric, quantity, timestamp, package_id,
    properties, raw_record, malformed_detail, record_reason``, all VARCHAR but the first two; ``only``
    limits it to those files. ``record_reason`` is malformed_record for an unreadable record, or the
    reason the intake API landed a record as rejected with."""
    wanted = None if only is None else set(only)
    parts = []
    has_csv = has_ndjson = False
    for seqs in chunk.scans.values():
        fmt = chunk.files[seqs[0]].fmt
        if fmt == "parquet":
            chosen = [s for s in seqs if wanted is None or s in wanted]
            if chosen:
                parts.append(parquet_source(chunk, chosen))
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


def parquet_source(chunk: Chunk, seqs: list[int]) -> str:
    files = [chunk.files[s] for s in seqs]
    types = dict(files[0].parquet_types)
    relation = f"read_parquet({sql_list([str(f.path) for f in files])}, file_row_number = true)"
    exprs = {
        name: _as_text(ident(name), types[name]) if name in files[0].columns else "NULL"
        for name in CONTRACT_COLUMNS
    }
    return f"""
        SELECT {sql_list(seqs)}[CAST(file_index AS BIGINT) + 1] AS file_seq, file_row_number + 1 AS row_no,
               {", ".join(f"{exprs[c]} AS {c}" for c in CONTRACT_COLUMNS)},
               NULL AS raw_record,
               NULL AS malformed_detail,
               NULL AS record_reason
        FROM {relation}
    """


def stage_csv(chunk: Chunk, seqs: list[int]) -> None:
    header = chunk.files[seqs[0]].columns
    column_types = ", ".join(f"{quote(name)}: 'VARCHAR'" for name in header)
    chunk.conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS _ingest_csv (file_seq INTEGER, row_no BIGINT, {_TEXT_COLUMNS},"
        " raw_line VARCHAR, reject_detail VARCHAR)"
    )
    stage_text(
        chunk,
        seqs,
        f"""read_csv({{files}}, header = true, auto_detect = false,
                     columns = {{{{{column_types}}}}}, delim = ',', quote = '"', escape = '"',
                     encoding = 'utf-8', store_rejects = true, rejects_table = '_ingest_rejects',
                     rejects_scan = '_ingest_reject_scans', max_line_size = {_MAX_LINE_BYTES})""",
        target="_ingest_csv",
        fields=", ".join(f"{ident(c)} AS {c}" if c in header else f"NULL AS {c}" for c in CONTRACT_COLUMNS),
        # DuckDB numbers lines from the header (line 1); records are numbered from the first data row.
        header_lines=1,
    )


# NDJSON rows handed to DuckDB at once: per-statement costs vanish (400 small files cost one INSERT, not
# 400) while the Python lists of a batch stay around 100 MB.
_NDJSON_BATCH_ROWS = 200_000


def stage_ndjson(chunk: Chunk, seqs: list[int]) -> None:
    """NDJSON records through :func:`ingest.validation.record_columns`, the intake API's own reader (the
    verdicts of :func:`ingest.validation.parse_line`, line for line), so a line means the same to both:
    lines split on ``\\n`` only, strict JSON, no repeated key.

    Written by hand, not DuckDB's JSON reader: that one splits lines on a bare CR, stops at control
    bytes, keeps the first of two repeated keys and accepts trailing commas, NaN and Infinity (issue 11),
    and none of it can be switched off. Records go to DuckDB as Arrow columns, many files per batch."""
    import pyarrow as pa

    chunk.conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _ingest_ndjson (file_seq INTEGER, row_no BIGINT,"
        f" {_TEXT_COLUMNS}, raw_record VARCHAR, malformed_detail VARCHAR, record_reason VARCHAR)"
    )
    names = {"raw": "raw_record", "detail": "malformed_detail", "reason": "record_reason"}
    pending: list[pa.Table] = []
    rows = 0

    def flush() -> None:
        nonlocal rows
        if not pending:
            return
        table = pa.concat_tables(pending)
        pending.clear()
        rows = 0
        chunk.conn.register("_ingest_ndjson_arrow", table)
        try:
            chunk.conn.execute("INSERT INTO _ingest_ndjson BY NAME SELECT * FROM _ingest_ndjson_arrow")
        finally:
            chunk.conn.unregister("_ingest_ndjson_arrow")

    for seq in seqs:
        with open(chunk.files[seq].path, "rb") as handle:
            numbered = numbered_lines(handle.read())
        if not numbered:
            continue
        columns = record_columns([line for _, line in numbered])
        arrays = {
            "file_seq": pa.array([seq] * len(numbered), pa.int32()),
            "row_no": pa.array([n for n, _ in numbered], pa.int64()),
        }
        arrays.update(
            {names.get(name, name): pa.array(values, pa.string()) for name, values in columns.items()}
        )
        pending.append(pa.table(arrays))
        rows += len(numbered)
        if rows >= _NDJSON_BATCH_ROWS:
            flush()
    flush()


def stage_text(
    chunk: Chunk, seqs: list[int], reader: str, target: str, fields: str, header_lines: int
) -> None:
    """Append a CSV-reader scan of many files to ``target`` with record numbers; records the reader
    rejects become rows too.

    The reader has no row-number column, so the scan goes into a temp table in scan order (files in
    list order, each in file order: insertion order is preserved) and ``rowid`` numbers it; records it
    could not parse (bad encoding, wrong column count) are kept out by ``store_rejects`` and brought
    back here as malformed rows.
    """
    # Empty files hold no record, and the CSV reader refuses a list with only empty files.
    readable = [s for s in seqs if chunk.files[s].size > 0]
    if not readable:
        return
    files = sql_list([str(chunk.files[s].path) for s in readable])
    file_seq = f"{sql_list(readable)}[CAST(file_index AS BIGINT) + 1]"
    chunk.conn.execute(
        f"CREATE TEMP TABLE _ingest_read AS SELECT file_index, {fields} FROM {reader.format(files=files)}"
    )
    # A line may break more than one rule; it is still one record.
    chunk.conn.execute(
        f"""
        CREATE TEMP TABLE _ingest_reject_rows AS
        SELECT file_id AS file_index, line - {header_lines} AS row_no,
               trim(arg_min(csv_line, error_type), e'\\r\\n') AS raw_line,
               'unreadable record (' || lower(CAST(min(error_type) AS VARCHAR)) || ')' AS reject_detail
        FROM _ingest_rejects GROUP BY ALL
        """
    )
    has_rejects = chunk.conn.execute("SELECT count(*) FROM _ingest_reject_rows").fetchone() != (0,)
    numbered = """
        WITH scanned AS (SELECT rowid AS scan_no, * FROM _ingest_read),
        firsts AS (SELECT file_index, min(scan_no) AS first_no FROM scanned GROUP BY file_index)
        SELECT s.file_index, s.scan_no - f.first_no + 1 AS k, s.* EXCLUDE (file_index, scan_no)
        FROM scanned AS s JOIN firsts AS f USING (file_index)
    """
    if not has_rejects:
        chunk.conn.execute(
            f"INSERT INTO {target} BY NAME SELECT {file_seq} AS file_seq, k AS row_no, * EXCLUDE (file_index, k)"
            f" FROM ({numbered})"
        )
    else:
        # The k-th accepted record of a file is record k plus the rejected records of the file before
        # it; only the files with rejects pay for counting them.
        chunk.conn.execute(
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
        chunk.conn.execute(
            f"INSERT INTO {target} BY NAME SELECT {file_seq} AS file_seq, row_no, raw_line, reject_detail{line}"
            " FROM _ingest_reject_rows"
        )
    for table in ("_ingest_read", "_ingest_reject_rows", "_ingest_rejects", "_ingest_reject_scans"):
        chunk.conn.execute(f"DROP TABLE IF EXISTS {table}")


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
