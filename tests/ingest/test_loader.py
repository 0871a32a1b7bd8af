"""The usage loader (DESIGN 3.1): what is loaded, what is quarantined and why, and that batches reconcile."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.loader import BatchResult, IngestFileError, load_file, load_files, unreadable_files
from ingest.loading import write

from .conftest import event, write_csv, write_ndjson, write_parquet


def loaded_events(conn: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT event_id, tenant_id, metric_id, quantity, occurred_at, package_id, properties"
        " FROM raw.usage_events ORDER BY batch_id, source_row_number"
    ).fetchall()


def quarantined(conn: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT source_row_number, reason, detail FROM raw.usage_quarantine"
        " ORDER BY quarantined_at, source_row_number"
    ).fetchall()


def reasons(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[1] for r in quarantined(conn)]


def assert_reconciled(conn: duckdb.DuckDBPyConnection) -> None:
    rows = conn.execute("SELECT received, loaded, duplicates, quarantined FROM raw.ingest_batches").fetchall()
    assert rows, "no batch recorded"
    for received, loaded, duplicates, quarantined_count in rows:
        assert received == loaded + duplicates + quarantined_count
    totals = conn.execute("SELECT sum(loaded), sum(quarantined) FROM raw.ingest_batches").fetchone()
    assert totals == (
        conn.execute("SELECT count(*) FROM raw.usage_events").fetchone()[0],  # type: ignore[index]
        conn.execute("SELECT count(*) FROM raw.usage_quarantine").fetchone()[0],  # type: ignore[index]
    )


# -- accepted events ------------------------------------------------------------------------------------------


def test_a_valid_event_is_loaded_with_a_utc_timestamp_and_a_decimal_quantity(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(quantity="0.002", properties={"user_id": "u_1"})])

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.duplicates, result.quarantined) == (1, 1, 0, 0)
    assert loaded_events(warehouse) == [
        (
            "evt_1",
            "ten_acme",
            "workflow_runs",
            Decimal("0.002"),
            datetime(2026, 10, 3, 12, 0),
            "pkg_slack_notify",
            '{"user_id":"u_1"}',
        )
    ]
    assert_reconciled(warehouse)


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        ("2026-10-31T23:30:00-01:00", datetime(2026, 11, 1, 0, 30)),
        ("2026-11-01T00:30:00+02:00", datetime(2026, 10, 31, 22, 30)),
        ("2026-10-03T12:00:00.123456Z", datetime(2026, 10, 3, 12, 0, 0, 123456)),
        ("2026-10-03T12:00:00.5+05:30", datetime(2026, 10, 3, 6, 30, 0, 500000)),
        ("2026-10-03t12:00:00z", datetime(2026, 10, 3, 12, 0)),
    ],
)
def test_rfc3339_timestamps_with_offsets_land_in_their_utc_month(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, timestamp: str, stored: datetime
) -> None:
    load_files(warehouse, [write_ndjson(tmp_path / "b.ndjson", [event(timestamp=timestamp)])])
    assert [row[4] for row in loaded_events(warehouse)] == [stored]


def test_mixed_timestamp_formats_in_one_file_all_load(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    stamps = ["2026-10-31T23:30:00Z", "2026-10-31T23:30:00.250Z", "2026-10-31T23:30:00-01:00"]
    records = [event(id=f"e{i}", timestamp=s) for i, s in enumerate(stamps)]

    (result,) = load_files(warehouse, [write_parquet(tmp_path / "b.parquet", records)])

    assert result.loaded == 3
    months = warehouse.execute(
        "SELECT strftime(occurred_at, '%Y-%m') FROM raw.usage_events ORDER BY source_row_number"
    ).fetchall()
    assert months == [("2026-10",), ("2026-10",), ("2026-11",)]


def test_quantity_may_be_a_json_number_and_stays_exact(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(
        tmp_path / "b.ndjson",
        [
            '{"id": "a", "tenant_id": "ten_acme", "metric": "compute_seconds", "quantity": 0.1,'
            ' "timestamp": "2026-10-03T12:00:00Z"}',
            '{"id": "b", "tenant_id": "ten_acme", "metric": "compute_seconds",'
            ' "quantity": 123456789012.123456789, "timestamp": "2026-10-03T12:00:00Z"}',
        ],
    )
    load_files(warehouse, [path])
    assert [row[3] for row in loaded_events(warehouse)] == [
        Decimal("0.1"),
        Decimal("123456789012.123456789"),
    ]


def test_missing_package_and_properties_are_stored_as_null_and_empty_object(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    record = event()
    del record["package_id"], record["properties"]
    load_files(warehouse, [write_ndjson(tmp_path / "b.ndjson", [record])])
    assert [(row[5], row[6]) for row in loaded_events(warehouse)] == [(None, "{}")]


# -- quarantine reasons --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "reason", "detail"),
    [
        ("this is not json", "malformed_record", "not valid JSON"),
        ('["an", "array"]', "malformed_record", "not a JSON object"),
        (event(properties="not an object"), "malformed_record", "properties is not a JSON object"),
        (event(id=None), "missing_field", "missing field(s): id"),
        (event(tenant_id=""), "missing_field", "missing field(s): tenant_id"),
        (event(metric=None), "missing_field", "missing field(s): metric"),
        (event(quantity=None), "missing_field", "missing field(s): quantity"),
        (event(timestamp=None), "missing_field", "missing field(s): timestamp"),
        (event(timestamp="2026-10-03T12:00:00"), "bad_timestamp", "is not RFC 3339"),
        (event(timestamp="2026-10-03"), "bad_timestamp", "is not RFC 3339"),
        (event(timestamp="2026-10-03 12:00:00Z"), "bad_timestamp", "is not RFC 3339"),
        (event(timestamp="2026-13-03T12:00:00Z"), "bad_timestamp", "is not RFC 3339"),
        (event(timestamp="2026-10-03T12:00:00+0200"), "bad_timestamp", "is not RFC 3339"),
        (event(timestamp="yesterday"), "bad_timestamp", "is not RFC 3339"),
        (event(quantity="two"), "bad_quantity", "quantity two is not a decimal"),
        (event(quantity="0.0000000001"), "quantity_out_of_range", "more than 9 decimal places"),
        (event(quantity=True), "bad_quantity", "is not a decimal"),
        (event(quantity="-1"), "negative_quantity", "quantity -1 is negative"),
        (event(metric="gpu_hours"), "unknown_metric", "metric gpu_hours is not in the price book"),
        (event(tenant_id="ten_nobody"), "unknown_tenant", "tenant ten_nobody is not a known tenant"),
    ],
)
def test_each_invalid_event_is_quarantined_with_its_reason(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, record: Any, reason: str, detail: str
) -> None:
    if isinstance(record, dict):
        record = {k: v for k, v in record.items() if v is not None}
    path = write_ndjson(tmp_path / "b.ndjson", [record, event(id="good")])

    (result,) = load_files(warehouse, [path])

    assert result.quarantine_reasons == {reason: 1}
    assert (result.received, result.loaded, result.quarantined) == (2, 1, 1)
    ((row_number, got_reason, got_detail),) = quarantined(warehouse)
    assert (row_number, got_reason) == (1, reason)
    assert detail in got_detail
    raw = warehouse.execute("SELECT raw_record FROM raw.usage_quarantine").fetchone()
    assert raw is not None and raw[0]
    assert_reconciled(warehouse)


def test_the_first_applicable_reason_wins(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_ndjson(
        tmp_path / "b.ndjson",
        [
            {k: v for k, v in event(id="a", timestamp="never").items() if k != "metric"},
            event(id="b", timestamp="never", quantity="-1"),
            event(id="c", quantity="x", metric="nope"),
            event(id="d", quantity="-5", tenant_id="ten_nobody"),
            event(id="e", metric="nope", tenant_id="ten_nobody"),
        ],
    )
    load_files(warehouse, [path])
    assert reasons(warehouse) == [
        "missing_field",
        "bad_timestamp",
        "bad_quantity",
        "negative_quantity",
        "unknown_metric",
    ]


def test_a_preview_does_not_check_tenants(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(tenant_id="ten_from_the_usage_file")])
    (result,) = load_files(warehouse, [path], check_tenants=False)
    assert result.loaded == 1


def test_ndjson_with_a_garbage_line_loads_the_rest(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "b.ndjson"
    path.write_bytes(
        b'{"id": "a", "tenant_id": "ten_acme", "metric": "workflow_runs", "quantity": 1,'
        b' "timestamp": "2026-10-03T12:00:00Z"}\n'
        b"\n"
        b'{truncated garbage, with "quotes" and \\ a backslash\n'
        b"\xff\xfe not even utf-8\n"
        b'{"id": "b", "tenant_id": "ten_acme", "metric": "workflow_runs", "quantity": "2",'
        b' "timestamp": "2026-10-03T12:00:00Z"}\r\n'
    )

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.quarantined) == (4, 2, 2)
    assert result.quarantine_reasons == {"malformed_record": 2}
    # Row numbers are line numbers: the blank line 2 is no record but still a line.
    assert [(row[0], row[1]) for row in quarantined(warehouse)] == [
        (3, "malformed_record"),
        (4, "malformed_record"),
    ]
    assert warehouse.execute(
        "SELECT event_id, source_row_number FROM raw.usage_events ORDER BY 2"
    ).fetchall() == [("a", 1), ("b", 5)]
    assert_reconciled(warehouse)


# -- duplicates ----------------------------------------------------------------------------------------------


def test_an_exact_repeat_within_a_batch_is_a_duplicate(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # The same event, written differently: "1" vs "1.0", Z vs +00:00, spacing inside properties.
    path = write_ndjson(
        tmp_path / "b.ndjson",
        [
            event(properties={"a": 1}),
            event(quantity="1.0", timestamp="2026-10-03T13:00:00+01:00", properties={"a": 1}),
            '{"id": "evt_1", "tenant_id": "ten_acme", "metric": "workflow_runs", "quantity": 1,'
            ' "timestamp": "2026-10-03T12:00:00Z", "package_id": "pkg_slack_notify", "properties": { "a" : 1 }}',
        ],
    )

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.duplicates, result.quarantined) == (3, 1, 2, 0)
    assert warehouse.execute("SELECT source_row_number FROM raw.usage_events").fetchall() == [(1,)]


def test_a_conflicting_repeat_within_a_batch_is_quarantined_and_the_first_wins(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(
        tmp_path / "b.ndjson",
        [
            event(
                metric="compute_seconds", quantity="1", timestamp="bad"
            ),  # invalid: not the first occurrence
            event(quantity="1"),
            event(quantity="2"),
            event(quantity="1"),
            event(package_id=None),
        ],
    )

    (result,) = load_files(warehouse, [path])

    assert (result.loaded, result.duplicates, result.quarantined) == (1, 1, 3)
    assert result.quarantine_reasons == {"bad_timestamp": 1, "duplicate_id_conflict": 2}
    assert warehouse.execute("SELECT source_row_number, quantity FROM raw.usage_events").fetchall() == [
        (2, Decimal(1))
    ]
    conflicts = [row for row in quarantined(warehouse) if row[1] == "duplicate_id_conflict"]
    assert [row[0] for row in conflicts] == [3, 5]
    assert "differs in quantity" in conflicts[0][2]
    assert "differs in package_id" in conflicts[1][2]
    assert_reconciled(warehouse)


def test_the_same_event_id_for_two_tenants_is_two_events(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(tenant_id="ten_acme"), event(tenant_id="ten_beta")])
    (result,) = load_files(warehouse, [path])
    assert result.loaded == 2


def test_repeats_across_batches_count_once_and_conflicts_are_quarantined(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    first = write_ndjson(tmp_path / "1.ndjson", [event(id="a"), event(id="b")])
    second = write_csv(
        tmp_path / "2.csv",
        [event(id="a"), event(id="b", quantity="7"), event(id="c"), event(id="c", quantity="3")],
    )

    results = load_files(warehouse, [first, second])

    assert [(r.loaded, r.duplicates, r.quarantined) for r in results] == [(2, 0, 0), (1, 1, 2)]
    assert results[1].quarantine_reasons == {"duplicate_id_conflict": 2}
    assert warehouse.execute(
        "SELECT event_id, quantity FROM raw.usage_events ORDER BY event_id"
    ).fetchall() == [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(1))]
    detail = warehouse.execute("SELECT detail FROM raw.usage_quarantine WHERE event_id = 'b'").fetchone()
    assert detail is not None and f"batch {results[0].batch_id}, row 2" in detail[0]
    assert_reconciled(warehouse)


def test_loading_the_same_file_twice_changes_nothing(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(id="a"), event(id="b", quantity="-1")])

    first = load_file(warehouse, path)
    before = (loaded_events(warehouse), quarantined(warehouse))
    second = load_file(warehouse, path)

    assert not first.skipped_already_loaded
    assert second.skipped_already_loaded
    assert second.batch_id == first.batch_id
    assert (second.received, second.loaded) == (0, 0)
    assert (loaded_events(warehouse), quarantined(warehouse)) == before
    assert warehouse.execute("SELECT count(*) FROM raw.ingest_batches").fetchone() == (1,)


def test_a_copy_of_a_batch_under_another_name_is_the_same_batch(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event()])
    copy = tmp_path / "copy.ndjson"
    copy.write_bytes(path.read_bytes())
    results = load_files(warehouse, [path, copy])
    assert [r.skipped_already_loaded for r in results] == [False, True]


# -- formats -------------------------------------------------------------------------------------------------


def test_csv_batches_load_and_quarantine_like_ndjson(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        [
            event(id="a", properties={"user_id": "u, with a comma"}),
            event(id="b", timestamp="2026-10-31T23:30:00-01:00", package_id=None),
            event(id="c", quantity="-2"),
        ],
    )

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.quarantined) == (3, 2, 1)
    assert [(row[0], row[4], row[5], row[6]) for row in loaded_events(warehouse)] == [
        ("a", datetime(2026, 10, 3, 12), "pkg_slack_notify", '{"user_id":"u, with a comma"}'),
        ("b", datetime(2026, 11, 1, 0, 30), None, "{}"),
    ]
    assert reasons(warehouse) == ["negative_quantity"]


def test_csv_without_the_optional_columns_loads(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    columns = ("timestamp", "quantity", "metric", "tenant_id", "id")  # any order
    path = write_csv(tmp_path / "b.csv", [event()], columns=columns)
    (result,) = load_files(warehouse, [path])
    assert result.loaded == 1
    assert [(row[5], row[6]) for row in loaded_events(warehouse)] == [(None, "{}")]


def test_a_csv_row_with_the_wrong_number_of_fields_is_malformed(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "b.csv", [event(id="a"), event(id="c")])
    lines = path.read_text().splitlines()
    lines.insert(2, "b,ten_acme,workflow_runs,1,2026-10-03T12:00:00Z,pkg,{},one too many")
    path.write_text("\n".join(lines) + "\n")

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.quarantined) == (3, 2, 1)
    ((row_number, reason, detail),) = quarantined(warehouse)
    assert (row_number, reason) == (2, "malformed_record")
    assert "too many columns" in detail
    assert [row[0] for row in loaded_events(warehouse)] == ["a", "c"]
    assert warehouse.execute("SELECT source_row_number FROM raw.usage_events ORDER BY 1").fetchall() == [
        (1,),
        (3,),
    ]


def test_all_string_parquet_loads(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "b.parquet", [event(id="a"), event(id="b", metric="nope")])
    (result,) = load_files(warehouse, [path])
    assert (result.loaded, result.quarantined) == (1, 1)
    raw = warehouse.execute("SELECT raw_record FROM raw.usage_quarantine").fetchone()
    assert raw is not None and '"metric":"nope"' in raw[0]


def test_typed_parquet_from_elsewhere_loads(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array(["a", "b"]),
            "tenant_id": pa.array(["ten_acme", "ten_beta"]),
            "metric": pa.array(["compute_seconds", "workflow_runs"]),
            "quantity": pa.array([1.5, 2.0], pa.float64()),
            "timestamp": pa.array(
                [datetime(2026, 10, 31, 23, 30), datetime(2026, 11, 1, 0, 0, 0, 250000)],
                pa.timestamp("us", tz="UTC"),
            ),
            "package_id": pa.array([None, "pkg_x"]),
            "properties": pa.array([{"user_id": "u_1"}, {"user_id": "u_2"}]),
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)

    (result,) = load_files(warehouse, [path])

    assert result.loaded == 2
    assert [(row[3], row[4], row[6]) for row in loaded_events(warehouse)] == [
        (Decimal("1.5"), datetime(2026, 10, 31, 23, 30), '{"user_id":"u_1"}'),
        (Decimal("2"), datetime(2026, 11, 1, 0, 0, 0, 250000), '{"user_id":"u_2"}'),
    ]


def test_a_parquet_file_pandas_wrote_with_its_index_loads_without_it(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # A filtered DataFrame keeps its row labels; to_parquet writes them as __index_level_0__.
    frame = pa.table(
        {
            "id": ["a", "b", "c"],
            "tenant_id": ["ten_acme"] * 3,
            "metric": ["workflow_runs"] * 3,
            "quantity": ["1", "2", "3"],
            "timestamp": ["2026-10-03T12:00:00Z"] * 3,
        }
    ).to_pandas()
    path = tmp_path / "from_pandas.parquet"
    frame[frame["id"] != "b"].to_parquet(path)
    assert "__index_level_0__" in pq.read_schema(path).names

    with duckdb.connect() as conn:
        assert unreadable_files(conn, [path]) == {}
    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded) == (2, 2)
    assert [row[0] for row in loaded_events(warehouse)] == ["a", "c"]
    # Only pandas' own index names are left out: any other extra column is still refused.
    other = tmp_path / "extra.parquet"
    pq.write_table(
        pa.table({**{c: frame[c].tolist() for c in frame.columns}, "index_level": [0, 1, 2]}), other
    )
    with pytest.raises(IngestFileError, match=r"unknown column\(s\) index_level"):
        load_files(warehouse, [other])


# -- files that cannot be read -------------------------------------------------------------------------------


def test_a_file_that_is_not_parquet_raises_and_loads_nothing(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "b.parquet"
    path.write_text("id,tenant_id\nnot,parquet\n")
    with pytest.raises(IngestFileError, match=r"b\.parquet: cannot be read as parquet"):
        load_files(warehouse, [path])
    assert warehouse.execute("SELECT count(*) FROM raw.ingest_batches").fetchone() == (0,)


def test_a_csv_with_the_wrong_columns_raises_naming_them(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "b.csv"
    path.write_text("id,tenant,metric,quantity,timestamp\na,ten_acme,workflow_runs,1,2026-10-03T12:00:00Z\n")
    with pytest.raises(IngestFileError, match=r"missing column.* tenant_id; unknown column.* tenant"):
        load_files(warehouse, [path])
    assert warehouse.execute("SELECT count(*) FROM raw.usage_events").fetchone() == (0,)


def test_a_parquet_file_missing_a_column_raises(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"id": ["a"], "tenant_id": ["ten_acme"]}), path)
    with pytest.raises(IngestFileError, match=r"missing column.* metric, quantity, timestamp"):
        load_files(warehouse, [path])


def test_an_unsupported_suffix_is_refused(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    path.write_text("x")
    with pytest.raises(ValueError, match="unsupported file type"):
        load_files(warehouse, [path])


def test_loading_without_a_price_book_is_a_setup_error(tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "empty.duckdb"))
    path = write_ndjson(tmp_path / "b.ndjson", [event()])
    with pytest.raises(RuntimeError, match="no price book is published"):
        load_files(conn, [path])


# -- atomicity and reconciliation ----------------------------------------------------------------------------


def test_a_crash_mid_batch_leaves_nothing_and_a_rerun_matches_a_clean_run(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(id="a"), event(id="b", quantity="-1"), event(id="a")])

    def crash(self: Any) -> dict[int, BatchResult]:
        raise RuntimeError("power cut after the events were written")

    with monkeypatch.context() as patch:
        patch.setattr(write, "insert_quarantine", crash)
        with pytest.raises(RuntimeError, match="power cut"):
            load_files(warehouse, [path])
    for table in ("usage_events", "usage_quarantine", "ingest_batches"):
        assert warehouse.execute(f"SELECT count(*) FROM raw.{table}").fetchone() == (0,), table

    (rerun,) = load_files(warehouse, [path])

    assert (rerun.received, rerun.loaded, rerun.duplicates, rerun.quarantined) == (3, 1, 1, 1)
    assert_reconciled(warehouse)


def test_every_batch_reconciles_and_records_its_landing_day(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    day = tmp_path / "landing" / "usage" / "2026-10-04"
    day.mkdir(parents=True)
    files = [
        write_ndjson(
            day / "a.ndjson", [event(id="a"), "garbage", event(id="a"), event(id="a", quantity="5")]
        ),
        write_csv(day / "b.csv", [event(id="a"), event(id="b", metric="nope")]),
        write_parquet(tmp_path / "c.parquet", [event(id="c"), event(id="c", tenant_id="ten_nobody")]),
    ]

    results = load_files(warehouse, files)

    assert all(isinstance(r, BatchResult) and r.is_reconciled for r in results)
    assert [r.landing_date for r in results] == [date(2026, 10, 4), date(2026, 10, 4), None]
    assert_reconciled(warehouse)
    assert warehouse.execute(
        "SELECT file_format, landing_date, received, loaded, duplicates, quarantined FROM raw.ingest_batches"
        " ORDER BY loaded_at, file_format"
    ).fetchall() == [
        ("ndjson", date(2026, 10, 4), 4, 1, 1, 2),
        ("csv", date(2026, 10, 4), 2, 0, 1, 1),
        ("parquet", None, 2, 1, 0, 1),
    ]


def test_landing_date_of_overrides_the_directory_name(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event()])
    (result,) = load_files(warehouse, [path], landing_date_of=lambda _: date(2026, 1, 2))
    assert result.landing_date == date(2026, 1, 2)


def test_unreadable_files_names_each_file_the_loader_would_refuse_and_why(tmp_path: Path) -> None:
    good = [
        write_ndjson(tmp_path / "a.ndjson", [event()]),
        write_csv(tmp_path / "b.csv", [event(id="evt_2")]),
        write_parquet(tmp_path / "c.parquet", [event(id="evt_3")]),
        write_parquet(tmp_path / "f.parquet", [event(id="evt_4")]),
    ]
    no_timestamp = write_csv(
        tmp_path / "d.csv", [event()], columns=("id", "tenant_id", "metric", "quantity", "package_id")
    )
    broken_parquet = tmp_path / "e.parquet"
    broken_parquet.write_bytes(b"PAR1 this is not a parquet footer")
    wrong_columns = tmp_path / "g.parquet"
    pq.write_table(pa.table({"id": ["x"], "tenant": ["t"]}), wrong_columns)
    spreadsheet = tmp_path / "h.xlsx"
    spreadsheet.write_text("nope")

    with duckdb.connect() as conn:
        refused = unreadable_files(
            conn, [*good, no_timestamp, broken_parquet, wrong_columns, spreadsheet, tmp_path / "gone.csv"]
        )

    assert set(refused) == {no_timestamp, broken_parquet, wrong_columns, spreadsheet, tmp_path / "gone.csv"}
    assert "missing column(s) timestamp" in refused[no_timestamp]
    assert "cannot be read as parquet" in refused[broken_parquet]
    assert "unknown column(s) tenant" in refused[wrong_columns]
    assert "unsupported file type" in refused[spreadsheet]
    assert "no such file" in refused[tmp_path / "gone.csv"]


# -- one pass: plain rows straight from the source, suspects resolved on their own (decision 0094) --------


def test_a_key_repeated_in_the_file_and_already_loaded_resolves_against_the_loaded_event(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    first = write_parquet(tmp_path / "1.parquet", [event(id="a"), event(id="b")])
    second = write_parquet(
        tmp_path / "2.parquet",
        [event(id="a"), event(id="a", quantity="2"), event(id="c"), event(id="a", quantity="1.0")],
    )

    results = load_files(warehouse, [first])
    results += load_files(warehouse, [second])

    assert [(r.received, r.loaded, r.duplicates, r.quarantined) for r in results] == [
        (2, 2, 0, 0),
        (4, 1, 2, 1),
    ]
    assert results[1].quarantine_reasons == {"duplicate_id_conflict": 1}
    (detail,) = warehouse.execute(
        "SELECT detail FROM raw.usage_quarantine WHERE reason = 'duplicate_id_conflict'"
    ).fetchone() or (None,)
    assert f"batch {results[0].batch_id}, row 1" in detail
    assert warehouse.execute("SELECT event_id, batch_id FROM raw.usage_events ORDER BY 1").fetchall() == [
        ("a", results[0].batch_id),
        ("b", results[0].batch_id),
        ("c", results[1].batch_id),
    ]
    assert_reconciled(warehouse)


def test_an_invalid_row_does_not_take_its_key_from_a_later_valid_one(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_parquet(
        tmp_path / "b.parquet",
        [
            event(id="x", quantity="-1"),  # invalid: never an occurrence
            event(id="x", quantity="3"),  # the first valid occurrence wins
            event(id="x", quantity="3.000"),  # an exact repeat
            event(id="x", quantity="4"),  # a conflict
            event(id=None),  # no key: missing_field, never a suspect
            event(id=None),
        ],
    )

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.duplicates, result.quarantined) == (6, 1, 1, 4)
    assert result.quarantine_reasons == {
        "missing_field": 2,
        "negative_quantity": 1,
        "duplicate_id_conflict": 1,
    }
    assert warehouse.execute("SELECT source_row_number, quantity FROM raw.usage_events").fetchall() == [
        (2, Decimal(3))
    ]
    assert_reconciled(warehouse)


def test_a_valid_row_off_the_fast_path_loads_with_the_plain_rows_and_meets_their_repeats(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # 1e2 and a 7-digit fraction take the general rules (not plain), the others the fast path.
    path = write_parquet(
        tmp_path / "b.parquet",
        [
            event(id="p", quantity="1e2"),
            event(id="q", timestamp="2026-10-03T12:00:00.1234567Z"),
            event(id="r"),
            event(id="p", quantity="100"),  # the same event as row 1, written plainly
            event(id="r", quantity="+1"),  # the same as row 3, off the fast path
        ],
    )

    (result,) = load_files(warehouse, [path])

    assert (result.received, result.loaded, result.duplicates, result.quarantined) == (5, 3, 2, 0)
    assert warehouse.execute(
        "SELECT event_id, source_row_number, quantity, occurred_at FROM raw.usage_events ORDER BY 1"
    ).fetchall() == [
        ("p", 1, Decimal(100), datetime(2026, 10, 3, 12)),
        ("q", 2, Decimal(1), datetime(2026, 10, 3, 12, 0, 0, 123456)),
        ("r", 3, Decimal(1), datetime(2026, 10, 3, 12)),
    ]
    assert_reconciled(warehouse)
