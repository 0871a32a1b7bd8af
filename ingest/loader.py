"""Load usage batch files (NDJSON, CSV, Parquet) into ``raw.usage_events`` (DESIGN 3.1).

One batch is one file, identified by the SHA-256 of its bytes, so loading the same file twice changes
nothing. A batch is loaded in one transaction with a few set-based passes:

1. **classify**: read the file with an explicit all-VARCHAR schema, parse quantity and timestamp, and give
   each row at most one quarantine reason (precedence in :data:`REASONS`), into a temp table;
2. **dedupe**: find the rows whose ``(tenant_id, id)`` repeats within the batch or already exists in
   ``raw.usage_events`` (one hash aggregate and one semi-join), and resolve only those few rows: the
   first occurrence wins, an exact repeat is a duplicate, a repeat with other content is quarantined;
3. **write**: append the accepted rows, the quarantined rows and one ``raw.ingest_batches`` row with
   ``received = loaded + duplicates + quarantined``.

There is no primary-key index on ``raw.usage_events``: the anti-join of step 2 measured 8x faster than
maintaining an ART index over (tenant_id, event_id) at 10M rows.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from ingest.landing import file_format
from ingest.raw_schema import QUANTITY, create_raw_schema

# Quarantine reasons, in the order they are checked: a row gets the first that applies.
REASONS = (
    "malformed_record",
    "missing_field",
    "bad_timestamp",
    "bad_quantity",
    "negative_quantity",
    "unknown_metric",
    "unknown_tenant",
    "duplicate_id_conflict",
)
REQUIRED_COLUMNS = ("id", "tenant_id", "metric", "quantity", "timestamp")
OPTIONAL_COLUMNS = ("package_id", "properties")
CONTRACT_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# RFC 3339 date-time: 'T' (or 't'), optional fraction, and a mandatory 'Z' or ±hh:mm offset.
_RFC3339 = r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
_QUANTITY_PLACES = 9
_MAX_LINE_BYTES = 64 * 1024 * 1024
_CHUNK = 8 * 1024 * 1024
# NDJSON is read as one text column: the delimiter is a control character, which valid JSON never
# holds unescaped, so a line that contains one is malformed anyway.
_NO_DELIMITER = "\x01"


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
) -> list[BatchResult]:
    """Load each file as one batch, in the order given (earlier files win duplicate ids)."""
    date_of = landing_date_of or landing_date_from_path
    _prepare(conn, check_tenants)
    return [_load_one(conn, Path(f), check_tenants, date_of(Path(f))) for f in files]


def landing_date_from_path(path: Path) -> date | None:
    """The landing day of a file in the landing zone (``.../<YYYY-MM-DD>/<batch>``), else None."""
    try:
        return date.fromisoformat(path.parent.name)
    except ValueError:
        return None


def batch_id_of(path: Path) -> str:
    digest = hashlib.sha256()
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
) -> BatchResult:
    """Load one usage file as one batch; see the module docstring for the rules."""
    _prepare(conn, check_tenants)
    return _load_one(conn, Path(path), check_tenants, landing_date)


def _prepare(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    create_raw_schema(conn)
    _check_reference_data(conn, check_tenants)


def _load_one(
    conn: duckdb.DuckDBPyConnection, path: Path, check_tenants: bool, landing_date: date | None
) -> BatchResult:
    fmt = file_format(path)
    if not path.is_file():
        raise IngestFileError(f"{path}: no such file")
    batch_id = batch_id_of(path)
    source_uri = str(path.resolve())
    skipped = BatchResult(
        batch_id, source_uri, fmt, landing_date, 0, 0, 0, 0, {}, skipped_already_loaded=True
    )
    if _already_loaded(conn, batch_id):
        return skipped
    batch = _Batch(conn, path, fmt, batch_id, source_uri, landing_date, check_tenants)
    try:
        # Reading and classifying fill temp tables only, so they run before the transaction: that writes
        # nothing to the warehouse, rows appended outside a transaction get row ids in file order, and
        # temp tables built inside one go through transaction-local storage, measured 1.5x slower.
        source = batch.read()
        batch.classify(source)
        conn.execute("BEGIN TRANSACTION")
        try:
            if _already_loaded(conn, batch_id):
                conn.execute("ROLLBACK")
                return skipped
            result = batch.load(source)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result
    finally:
        batch.drop_temp_tables()


def _already_loaded(conn: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM raw.ingest_batches WHERE batch_id = ?", [batch_id]).fetchone() is not None
    )


def _check_reference_data(conn: duckdb.DuckDBPyConnection, check_tenants: bool) -> None:
    # Without these every event would be quarantined, which is a setup mistake, not bad usage.
    if conn.execute("SELECT count(*) FROM raw.price_book_metrics").fetchone() == (0,):
        raise RuntimeError(
            "raw.price_book_metrics is empty: load the price book first "
            "(ingest.price_book.write_price_book_tables), or every event is an unknown_metric"
        )
    if check_tenants and conn.execute("SELECT count(*) FROM raw.operational_tenants").fetchone() == (0,):
        raise RuntimeError(
            "raw.operational_tenants is empty: copy the operational tables first, or pass "
            "check_tenants=False for a preview that knows no tenants"
        )


_TEMP_TABLES = (
    "_ingest_read",
    "_ingest_reject_rows",
    "_ingest_rejects",
    "_ingest_reject_scans",
    "_ingest_text",
    "_ingest_rows",
    "_ingest_resolved",
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Batch:
    """The SQL of one batch load; every statement runs inside the caller's transaction."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        path: Path,
        fmt: str,
        batch_id: str,
        source_uri: str,
        landing_date: date | None,
        check_tenants: bool,
    ) -> None:
        self.conn = conn
        self.path = path
        self.fmt = fmt
        self.batch_id = batch_id
        self.source_uri = source_uri
        self.landing_date = landing_date
        self.check_tenants = check_tenants
        self.loaded_at = datetime.now(UTC).replace(tzinfo=None)
        self.rejected = 0  # records the CSV reader itself could not parse (NDJSON, CSV)

    def drop_temp_tables(self) -> None:
        # One statement per existing table only: at ~1 ms a statement, per-file overhead adds up over the
        # hundreds of small files of a landing day.
        existing = {
            name
            for (name,) in self.conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_ingest_')"
            ).fetchall()
        }
        for table in _TEMP_TABLES:
            if table in existing:
                self.conn.execute(f"DROP TABLE temp.{table}")

    def load(self, source: str) -> BatchResult:
        """Dedupe and write; runs inside the caller's transaction, after :meth:`classify`."""
        self._resolve_repeats()
        loaded = self._insert_events()
        reasons, received, duplicates = self._insert_quarantine(source)
        quarantined = sum(reasons.values())
        if received != loaded + duplicates + quarantined:  # pragma: no cover - a bug, never bad data
            raise AssertionError(
                f"{self.path}: reconciliation failed: received {received} != loaded {loaded} + "
                f"duplicates {duplicates} + quarantined {quarantined}"
            )
        self.conn.execute(
            "INSERT INTO raw.ingest_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.batch_id,
                self.source_uri,
                self.fmt,
                self.landing_date,
                received,
                loaded,
                duplicates,
                quarantined,
                self.loaded_at,
            ],
        )
        return BatchResult(
            self.batch_id,
            self.source_uri,
            self.fmt,
            self.landing_date,
            received,
            loaded,
            duplicates,
            quarantined,
            reasons,
        )

    def _scalar(self, sql: str, params: list[object] | None = None) -> int:
        row = self.conn.execute(sql, params or []).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- reading ------------------------------------------------------------------------------------------

    def read(self) -> str:
        """A query with ``row_no, id, tenant_id, metric, quantity, timestamp, package_id, properties,
        raw_record, malformed_detail``, all VARCHAR but row_no."""
        try:
            if self.fmt == "parquet":
                return self._parquet_source()
            if self.fmt == "csv":
                return self._csv_source()
            return self._ndjson_source()
        except duckdb.Error as exc:
            raise IngestFileError(f"{self.path}: cannot be read as {self.fmt}: {exc}") from exc

    def _parquet_source(self) -> str:
        relation = f"read_parquet({_quote(str(self.path))}, file_row_number = true)"
        columns = self.conn.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        types = {name: str(kind) for name, kind, *_ in columns if name != "file_row_number"}
        self._check_columns(list(types))
        exprs = {
            name: _as_text(_ident(name), types[name]) if name in types else "NULL"
            for name in CONTRACT_COLUMNS
        }
        return f"""
            SELECT file_row_number + 1 AS row_no,
                   {", ".join(f"{exprs[c]} AS {c}" for c in CONTRACT_COLUMNS)},
                   NULL AS raw_record,
                   NULL AS malformed_detail
            FROM {relation}
        """

    def _csv_source(self) -> str:
        header = self._csv_header()
        self._check_columns(header)
        column_types = ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in header)
        self._stage_text(
            f"""read_csv({_quote(str(self.path))}, header = true, auto_detect = false,
                         columns = {{{column_types}}}, delim = ',', quote = '"', escape = '"',
                         encoding = 'utf-8', store_rejects = true, rejects_table = '_ingest_rejects',
                         rejects_scan = '_ingest_reject_scans', max_line_size = {_MAX_LINE_BYTES})""",
            # DuckDB numbers lines from the header (line 1); records are numbered from the first data row.
            header_lines=1,
        )
        fields = ", ".join(f"{_ident(c)} AS {c}" if c in header else f"NULL AS {c}" for c in CONTRACT_COLUMNS)
        return f"""
            SELECT row_no, {fields}, NULL AS raw_record, NULL AS malformed_detail
            FROM _ingest_text WHERE reject_detail IS NULL
            UNION ALL
            SELECT row_no, NULL, NULL, NULL, NULL, NULL, NULL, NULL, raw_line, reject_detail
            FROM _ingest_text WHERE reject_detail IS NOT NULL
        """

    def _csv_header(self) -> list[str]:
        try:
            with open(self.path, encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), None)
        except UnicodeDecodeError as exc:
            raise IngestFileError(f"{self.path}: the CSV header is not UTF-8 text ({exc.reason})") from exc
        if not header:
            raise IngestFileError(
                f"{self.path}: empty CSV file; a usage CSV starts with a header row: {', '.join(CONTRACT_COLUMNS)}"
            )
        return [name.strip() for name in header]

    def _ndjson_source(self) -> str:
        self._stage_text(
            f"""read_csv({_quote(str(self.path))}, header = false, auto_detect = false,
                         columns = {{'line': 'VARCHAR'}}, delim = '{_NO_DELIMITER}', quote = '', escape = '', strict_mode = false,
                         encoding = 'utf-8', store_rejects = true, rejects_table = '_ingest_rejects',
                         rejects_scan = '_ingest_reject_scans', max_line_size = {_MAX_LINE_BYTES})""",
            header_lines=0,
        )
        shape = (
            '{"id": "VARCHAR", "tenant_id": "VARCHAR", "metric": "VARCHAR", "quantity": "VARCHAR", '
            '"timestamp": "VARCHAR", "package_id": "VARCHAR", "properties": "JSON"}'
        )
        # DuckDB's JSON reader turns numbers into doubles, so a quantity with more than ~16 significant
        # digits would come back rounded; for those the number's own text is taken from the line.
        number_text = r"""regexp_extract(line, '"quantity"\s*:\s*(-?[0-9][0-9.eE+-]*)', 1)"""
        return f"""
            WITH parsed AS (
                SELECT row_no, line, reject_detail, try(json_transform(line, {_quote(shape)})) AS rec
                FROM _ingest_text
                WHERE reject_detail IS NOT NULL OR trim(line) <> ''
            )
            SELECT row_no,
                   rec.id, rec.tenant_id, rec.metric,
                   CASE
                       WHEN (length(rec.quantity) >= 16 OR contains(lower(rec.quantity), 'e'))
                            AND try_cast({number_text} AS DOUBLE) = try_cast(rec.quantity AS DOUBLE)
                       THEN coalesce(nullif({number_text}, ''), rec.quantity)
                       ELSE rec.quantity
                   END AS quantity,
                   rec.timestamp, rec.package_id,
                   CAST(rec.properties AS VARCHAR) AS properties,
                   line AS raw_record,
                   CASE
                       WHEN reject_detail IS NOT NULL THEN reject_detail
                       WHEN rec IS NULL THEN 'not valid JSON'
                       WHEN NOT starts_with(ltrim(line), '{{') THEN 'not a JSON object'
                   END AS malformed_detail
            FROM parsed
        """

    def _stage_text(self, reader: str, header_lines: int) -> None:
        """Materialize a CSV-reader scan with record numbers; records the reader rejects become rows too.

        The reader has no row-number column, so the scan goes into a temp table in file order (insertion
        order is preserved) and ``rowid`` numbers it; records it could not parse (bad encoding, wrong
        column count) are kept out by ``store_rejects`` and brought back here as malformed rows.
        """
        self.conn.execute(f"CREATE TEMP TABLE _ingest_read AS SELECT * FROM {reader}")
        rejects = self.conn.execute(
            "SELECT DISTINCT line - ? AS row_no, trim(csv_line, e'\\r\\n') AS raw_line,"
            " lower(CAST(error_type AS VARCHAR)) AS kind FROM _ingest_rejects"
            " ORDER BY row_no",
            [header_lines],
        ).fetchall()
        self.rejected = len(rejects)
        self.conn.execute(
            "CREATE TEMP TABLE _ingest_reject_rows (row_no BIGINT, raw_line VARCHAR, reject_detail VARCHAR)"
        )
        if rejects:
            self.conn.executemany(
                "INSERT INTO _ingest_reject_rows VALUES (?, ?, ?)",
                [(row_no, raw, f"unreadable record ({kind})") for row_no, raw, kind in rejects],
            )
        # The k-th accepted record's number is k plus the rejected records before it.
        self.conn.execute(
            """
            CREATE TEMP TABLE _ingest_text AS
            WITH accepted AS (SELECT rowid + 1 AS k, * FROM _ingest_read),
            gaps AS (SELECT row_no - row_number() OVER (ORDER BY row_no) AS accepted_before FROM _ingest_reject_rows)
            SELECT k + CASE WHEN (SELECT count(*) FROM gaps) = 0 THEN 0
                            ELSE (SELECT count(*) FROM gaps WHERE accepted_before < k) END AS row_no,
                   accepted.* EXCLUDE (k),
                   CAST(NULL AS VARCHAR) AS raw_line, CAST(NULL AS VARCHAR) AS reject_detail
            FROM accepted
            """
        )
        if rejects:
            line = ", raw_line AS line" if self.fmt == "ndjson" else ""
            self.conn.execute(
                f"INSERT INTO _ingest_text BY NAME SELECT row_no, raw_line, reject_detail{line} FROM _ingest_reject_rows"
            )
        self.conn.execute("DROP TABLE _ingest_read")
        self.conn.execute("DROP TABLE _ingest_reject_rows")

    def _check_columns(self, columns: list[str]) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        unknown = [c for c in columns if c not in CONTRACT_COLUMNS]
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if problems:
            raise IngestFileError(
                f"{self.path}: {'; '.join(problems)}; a usage file has the columns "
                f"{', '.join(CONTRACT_COLUMNS)} (package_id and properties optional)"
            )

    # -- classify -----------------------------------------------------------------------------------------

    def classify(self, source: str) -> None:
        tenant_check = (
            "WHEN tenant_id NOT IN (SELECT tenant_id FROM raw.operational_tenants) THEN 'unknown_tenant'"
            if self.check_tenants
            else ""
        )
        missing = " OR ".join(f"{c} IS NULL OR {c} = ''" for c in REQUIRED_COLUMNS)
        missing_list = ", ".join(
            f"CASE WHEN {c} IS NULL OR {c} = '' THEN '{c}' END" for c in REQUIRED_COLUMNS
        )
        # More than 9 decimal places would be rounded by DECIMAL(38, 9): refuse rather than change a quantity.
        too_precise = (
            "CASE WHEN contains(quantity, '.') THEN strpos(quantity, 'e') = 0 AND strpos(quantity, 'E') = 0"
            f" AND length(rtrim(trim(quantity), '0')) - strpos(trim(quantity), '.') > {_QUANTITY_PLACES}"
            " ELSE false END"
        )
        try:
            self.conn.execute(
                f"""
                CREATE TEMP TABLE _ingest_rows AS
                WITH source AS ({source}),
                parsed AS (
                    SELECT *,
                        try_cast(quantity AS {QUANTITY}) AS quantity_value,
                        CASE WHEN regexp_full_match(timestamp, {_quote(_RFC3339)}) THEN
                            make_timestamp(epoch_us(coalesce(
                                try_cast(timestamp AS TIMESTAMPTZ), try_cast(upper(timestamp) AS TIMESTAMPTZ))))
                        END AS occurred_at,
                        CASE
                            WHEN properties IS NULL OR properties IN ('{{}}', '', 'null') THEN '{{}}'
                            ELSE CAST(try(json(properties)) AS VARCHAR)
                        END AS properties_json,
                        nullif(package_id, '') AS package
                    FROM source
                ),
                checked AS (
                    SELECT *,
                        CASE
                            WHEN malformed_detail IS NOT NULL THEN 'malformed_record'
                            WHEN properties_json IS NULL OR NOT starts_with(properties_json, '{{') THEN 'malformed_record'
                            WHEN {missing} THEN 'missing_field'
                            WHEN occurred_at IS NULL THEN 'bad_timestamp'
                            WHEN quantity_value IS NULL OR {too_precise} THEN 'bad_quantity'
                            WHEN quantity_value < 0 THEN 'negative_quantity'
                            WHEN metric NOT IN (SELECT metric_id FROM raw.price_book_metrics) THEN 'unknown_metric'
                            {tenant_check}
                        END AS reason
                    FROM parsed
                )
                SELECT
                    row_no,
                    id AS event_id,
                    tenant_id,
                    metric AS metric_id,
                    quantity_value AS quantity,
                    occurred_at,
                    package AS package_id,
                    properties_json AS properties,
                    reason,
                    CASE WHEN reason IS NOT NULL THEN CASE
                        WHEN malformed_detail IS NOT NULL THEN malformed_detail
                        WHEN reason = 'malformed_record' THEN 'properties is not a JSON object'
                        WHEN reason = 'missing_field' THEN 'missing field(s): ' || concat_ws(', ', {missing_list})
                        WHEN reason = 'bad_timestamp' THEN 'timestamp ' || timestamp
                            || ' is not RFC 3339 with an offset (e.g. 2026-10-03T12:00:00Z)'
                        WHEN reason = 'bad_quantity' AND quantity_value IS NOT NULL
                            THEN 'quantity ' || quantity || ' has more than {_QUANTITY_PLACES} decimal places'
                        WHEN reason = 'bad_quantity' THEN 'quantity ' || quantity || ' is not a decimal'
                        WHEN reason = 'negative_quantity' THEN 'quantity ' || quantity || ' is negative'
                        WHEN reason = 'unknown_metric'
                            THEN 'metric ' || metric || ' is not in the price book'
                        WHEN reason = 'unknown_tenant' THEN 'tenant ' || tenant_id || ' is not a known tenant'
                    END END AS detail,
                    CASE WHEN reason IS NOT NULL THEN coalesce(raw_record, CAST(to_json({{
                        'id': id, 'tenant_id': tenant_id, 'metric': metric, 'quantity': quantity,
                        'timestamp': timestamp, 'package_id': package_id, 'properties': properties
                    }}) AS VARCHAR)) END AS raw_record
                FROM checked
                """
            )
        except duckdb.Error as exc:
            raise IngestFileError(f"{self.path}: cannot be read as {self.fmt}: {exc}") from exc

    # -- dedupe -------------------------------------------------------------------------------------------

    def _resolve_repeats(self) -> None:
        """Resolve the rows whose (tenant_id, event_id) repeats in the batch or is already loaded.

        Everything else is loaded as is, so only these rows get the expensive treatment: the first
        occurrence (the loaded event, else the lowest row number here) is the reference, an exact repeat
        of it is a duplicate, any other content is a duplicate_id_conflict.
        """
        content = ("metric_id", "quantity", "occurred_at", "package_id", "properties")
        differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM ref.{c} THEN '{c}' END" for c in content)
        self.conn.execute(
            f"""
            CREATE TEMP TABLE _ingest_resolved AS
            WITH valid AS (
                SELECT row_no, tenant_id, event_id, metric_id, quantity, occurred_at, package_id, properties
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
            loaded_keys AS (
                SELECT DISTINCT e.tenant_id, e.event_id
                FROM raw.usage_events AS e SEMI JOIN valid AS v
                    ON e.tenant_id = v.tenant_id AND e.event_id = v.event_id
            ),
            suspect_keys AS (SELECT * FROM repeated_keys UNION SELECT * FROM loaded_keys),
            suspects AS (
                SELECT v.*, row_number() OVER (PARTITION BY v.tenant_id, v.event_id ORDER BY v.row_no) AS nth
                FROM valid AS v SEMI JOIN suspect_keys AS k
                    ON v.tenant_id = k.tenant_id AND v.event_id = k.event_id
            ),
            reference AS (
                SELECT e.tenant_id, e.event_id, e.metric_id, e.quantity, e.occurred_at, e.package_id,
                       e.properties, e.batch_id AS first_batch_id, e.source_row_number AS first_row_no
                FROM raw.usage_events AS e SEMI JOIN loaded_keys AS k
                    ON e.tenant_id = k.tenant_id AND e.event_id = k.event_id
                UNION ALL
                SELECT s.tenant_id, s.event_id, s.metric_id, s.quantity, s.occurred_at, s.package_id,
                       s.properties, {_quote(self.batch_id)}, s.row_no
                FROM suspects AS s ANTI JOIN loaded_keys AS k
                    ON s.tenant_id = k.tenant_id AND s.event_id = k.event_id
                WHERE s.nth = 1
            )
            SELECT r.row_no,
                CASE
                    WHEN ref.first_batch_id = {_quote(self.batch_id)} AND ref.first_row_no = r.row_no THEN 'loaded'
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
        return self._scalar(
            """
            INSERT INTO raw.usage_events
            SELECT event_id, tenant_id, metric_id, quantity, occurred_at, package_id, properties,
                   ?, row_no, ?
            FROM _ingest_rows AS r
            WHERE reason IS NULL
              AND NOT EXISTS (SELECT 1 FROM _ingest_resolved AS s WHERE s.row_no = r.row_no AND s.status <> 'loaded')
            """,
            [self.batch_id, self.loaded_at],
        )

    def _insert_quarantine(self, source: str) -> tuple[dict[str, int], int, int]:
        """Quarantine rows; returns the count per reason, the rows received and the exact duplicates."""
        counted = self.conn.execute(
            """
            SELECT 'row', coalesce(reason, ''), count(*) FROM _ingest_rows GROUP BY ALL
            UNION ALL
            SELECT 'repeat', status, count(*) FROM _ingest_resolved WHERE status <> 'loaded' GROUP BY ALL
            """
        ).fetchall()
        received = sum(int(n) for kind, _, n in counted if kind == "row")
        repeats = {status: int(n) for kind, status, n in counted if kind == "repeat"}
        reasons = {reason: int(n) for kind, reason, n in counted if kind == "row" and reason}
        if repeats.get("duplicate_id_conflict"):
            reasons["duplicate_id_conflict"] = repeats["duplicate_id_conflict"]
        self.conn.execute(
            """
            INSERT INTO raw.usage_quarantine
            SELECT ?, row_no, event_id, tenant_id, reason, detail, raw_record, ?
            FROM _ingest_rows WHERE reason IS NOT NULL
            """,
            [self.batch_id, self.loaded_at],
        )
        if "duplicate_id_conflict" in reasons:
            # The raw text of accepted rows is not kept (it would double the batch's footprint), so the
            # few conflicting rows are read again from the source.
            self.conn.execute(
                f"""
                INSERT INTO raw.usage_quarantine
                SELECT ?, s.row_no, src.id, src.tenant_id, 'duplicate_id_conflict', s.detail,
                       coalesce(src.raw_record, CAST(to_json({{
                           'id': src.id, 'tenant_id': src.tenant_id, 'metric': src.metric,
                           'quantity': src.quantity, 'timestamp': src.timestamp,
                           'package_id': src.package_id, 'properties': src.properties
                       }}) AS VARCHAR)),
                       ?
                FROM _ingest_resolved AS s JOIN ({source}) AS src ON src.row_no = s.row_no
                WHERE s.status = 'duplicate_id_conflict'
                """,
                [self.batch_id, self.loaded_at],
            )
        ordered = dict(sorted(reasons.items(), key=lambda item: REASONS.index(item[0])))
        return ordered, received, repeats.get("duplicate", 0)


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
