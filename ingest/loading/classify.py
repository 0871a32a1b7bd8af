"""Classification: every row given at most one reason, by SQL generated from ingest/validation.py.

The rules are written once, in :mod:`ingest.validation` (DESIGN 3.1: one definition of a valid event): the
intake API runs them in Python, this module runs :func:`ingest.validation.sql_stages` over a whole chunk in
one query into ``_ingest_rows``, with the reasons in the order of :data:`ingest.validation.REASONS`.
"""

from __future__ import annotations

from ingest.loading.chunk import Chunk
from ingest.loading.model import quote
from ingest.validation import CONTRACT_COLUMNS, REASONS, REQUIRED_COLUMNS, detail_of, sql_stages

# Reasons whose detail the classify step writes itself (or the dedupe step does).
_OWN_DETAIL = ("malformed_record", "missing_field", "duplicate_id_conflict")


def classify(chunk: Chunk, source: str, target: str = "_ingest_rows", *, only_unplain: bool = True) -> None:
    """Give every row of ``source`` at most one reason, in the order of :data:`ingest.validation.REASONS`,
    with the rules of :func:`ingest.validation.sql_stages` (the SQL twin of the API's Python checks), into
    the temp table ``target``.

    ``only_unplain`` keeps only the rows that are not *plain*: every invalid row, and the valid rows whose
    timestamp or quantity needed the general rule. A plain row (valid, both on the fast path) is loaded
    straight from the source by :func:`ingest.loading.write.insert_events` with the fast path's own
    expressions (:func:`plain_values`), so the 10M-row file is not written twice (decision 0094)."""
    tenant_check = (
        "WHEN tenant_id NOT IN (SELECT tenant_id FROM raw.operational_tenants) THEN 'unknown_tenant'"
        if chunk.check_tenants
        else ""
    )
    window = (
        f"""WHEN occurred_at < received_at - INTERVAL {int(chunk.window_days)} DAY
                 OR occurred_at > received_at + INTERVAL 1 DAY THEN 'timestamp_out_of_range'"""
        if chunk.window_days is not None
        else ""
    )
    missing = " OR ".join(f"{c} IS NULL OR {c} = ''" for c in REQUIRED_COLUMNS)
    missing_list = ", ".join(f"CASE WHEN {c} IS NULL OR {c} = '' THEN '{c}' END" for c in REQUIRED_COLUMNS)
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
        return f" || coalesce({column}, '') || ".join(quote(part) for part in parts)

    chunk.conn.execute(
        f"""
        CREATE TEMP TABLE {target} AS
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
        {"WHERE reason IS NOT NULL OR _ts_fast IS NULL OR NOT coalesce(_q_short, false)" if only_unplain else ""}
        """
    )


def plain_values() -> dict[str, str]:
    """The stored value of each column of a plain row (see :func:`classify`), over the source's text
    columns: the fast path of :func:`ingest.validation.sql_stages` and the properties rule of
    :func:`classify`, with nothing left to check."""
    return {
        "event_id": "id",
        "tenant_id": "tenant_id",
        "metric_id": "metric",
        "quantity": "CAST(quantity AS DECIMAL(38, 9))",
        "occurred_at": "make_timestamp(epoch_us(TRY_CAST(timestamp AS TIMESTAMPTZ)))",
        "package_id": "nullif(package_id, '')",
        "properties": """CASE WHEN properties IS NULL OR properties IN ('{}', '', 'null') THEN '{}'
                    ELSE CAST(try(json(properties)) AS VARCHAR) END""",
    }
