"""Many files in one call (the intake API lands one NDJSON file per request): one result and one batch row
per file, input order decides duplicates, chunks commit on their own, errors leave a clean prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.loader import IngestFileError, load_files
from ingest.loading import plan, write
from ingest.raw_schema import create_raw_schema

from .conftest import event, write_csv, write_ndjson, write_parquet

TABLES = {
    "usage_events": "SELECT * EXCLUDE (loaded_at) FROM raw.usage_events",
    "usage_quarantine": "SELECT * EXCLUDE (quarantined_at) FROM raw.usage_quarantine",
    "ingest_batches": "SELECT * EXCLUDE (loaded_at) FROM raw.ingest_batches",
}


def snapshot(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(conn.execute(sql).fetchall(), key=repr) for table, sql in TABLES.items()}


def fresh_copy(conn: duckdb.DuckDBPyConnection, tmp_path: Path, name: str) -> duckdb.DuckDBPyConnection:
    """A second warehouse with the same reference data as ``conn`` and no usage, for a clean run."""
    other = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    create_raw_schema(other)
    for table in ("price_book_metrics", "operational_tenants"):
        rows = conn.execute(f"SELECT * FROM raw.{table}").fetchall()
        marks = ", ".join("?" * len(rows[0]))
        other.executemany(f"INSERT INTO raw.{table} VALUES ({marks})", rows)
    return other


def intake_files(tmp_path: Path, count: int) -> list[Path]:
    """Small NDJSON requests; every third one resends the previous request's last event."""
    day = tmp_path / "landing" / "2026-10-04"
    day.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        records: list[dict[str, Any] | str] = [event(id=f"e{i}_{j}", quantity=str(j)) for j in range(3)]
        if i % 3 == 2:
            records.append(event(id=f"e{i - 1}_2", quantity="2"))
        files.append(write_ndjson(day / f"req_{i:03d}.ndjson", records))
    return files


def test_many_small_ndjson_files_give_one_result_and_one_batch_row_each_in_input_order(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    files = intake_files(tmp_path, 30)

    results = load_files(warehouse, files)

    assert [r.source_uri for r in results] == [str(f.resolve()) for f in files]
    assert [(r.received, r.loaded, r.duplicates) for r in results] == [
        (4, 3, 1) if i % 3 == 2 else (3, 3, 0) for i in range(30)
    ]
    batches = warehouse.execute(
        "SELECT source_uri, received, loaded, duplicates, quarantined FROM raw.ingest_batches ORDER BY loaded_at"
    ).fetchall()
    assert [b[0] for b in batches] == [str(f.resolve()) for f in files]
    assert all(
        received == loaded + duplicates + quarantined
        for _, received, loaded, duplicates, quarantined in batches
    )
    assert warehouse.execute("SELECT count(*) FROM raw.usage_events").fetchone() == (90,)


def test_within_one_call_the_earlier_file_wins_and_its_lower_row_number_too(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "1.csv", [event(id="x", quantity="1"), event(id="y", quantity="5")])
    second = write_parquet(
        tmp_path / "2.parquet",
        [event(id="y", quantity="5"), event(id="x", quantity="9"), event(id="z", quantity="2")],
    )
    third = write_ndjson(tmp_path / "3.ndjson", [event(id="z", quantity="3"), event(id="z", quantity="2")])

    results = load_files(warehouse, [first, second, third])

    assert [(r.loaded, r.duplicates, r.quarantined) for r in results] == [(2, 0, 0), (1, 1, 1), (0, 1, 1)]
    assert warehouse.execute(
        "SELECT event_id, quantity, batch_id FROM raw.usage_events ORDER BY event_id"
    ).fetchall() == [
        ("x", 1, results[0].batch_id),
        ("y", 5, results[0].batch_id),
        ("z", 2, results[1].batch_id),
    ]
    conflicts = warehouse.execute(
        "SELECT batch_id, source_row_number, detail, raw_record FROM raw.usage_quarantine ORDER BY batch_id = ?",
        [results[2].batch_id],
    ).fetchall()
    assert [(b, n) for b, n, _, _ in conflicts] == [(results[1].batch_id, 2), (results[2].batch_id, 1)]
    assert f"(batch {results[0].batch_id}, row 1)" in conflicts[0][2]
    assert f"(batch {results[1].batch_id}, row 3)" in conflicts[1][2]
    assert '"quantity":"9"' in conflicts[0][3]
    assert '"quantity": "3"' in conflicts[1][3]


def test_the_same_file_twice_in_one_call_counts_once(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_ndjson(tmp_path / "b.ndjson", [event(id="a"), event(id="b")])
    other = write_ndjson(tmp_path / "c.ndjson", [event(id="c")])

    results = load_files(warehouse, [path, other, path])

    assert [(r.skipped_already_loaded, r.loaded) for r in results] == [(False, 2), (False, 1), (True, 0)]
    assert results[2].batch_id == results[0].batch_id
    assert warehouse.execute("SELECT count(*) FROM raw.ingest_batches").fetchone() == (2,)


def test_files_without_records_still_get_a_reconciled_batch_row(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    empty_ndjson = tmp_path / "empty.ndjson"
    empty_ndjson.write_bytes(b"")
    blank_ndjson = tmp_path / "blank.ndjson"
    blank_ndjson.write_text("\n\n")
    header_only = write_csv(tmp_path / "header.csv", [])
    no_rows_parquet = write_parquet(tmp_path / "none.parquet", [])
    files = [
        empty_ndjson,
        blank_ndjson,
        header_only,
        no_rows_parquet,
        write_ndjson(tmp_path / "one.ndjson", [event()]),
    ]

    results = load_files(warehouse, files)

    assert [(r.received, r.loaded, r.skipped_already_loaded) for r in results] == [(0, 0, False)] * 4 + [
        (1, 1, False)
    ]
    assert warehouse.execute("SELECT count(*), sum(received) FROM raw.ingest_batches").fetchone() == (5, 1)


def test_csv_files_with_different_headers_load_in_one_call(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    full = write_csv(tmp_path / "full.csv", [event(id="a", properties={"k": "v"})])
    short = write_csv(
        tmp_path / "short.csv",
        [event(id="b")],
        columns=("timestamp", "quantity", "metric", "tenant_id", "id"),
    )
    broken = write_csv(tmp_path / "broken.csv", [event(id="c"), event(id="d")])
    lines = broken.read_text().splitlines()
    lines.insert(2, "x,ten_acme,workflow_runs,1,2026-10-03T12:00:00Z,pkg,{},one too many")
    broken.write_text("\n".join(lines) + "\n")

    results = load_files(warehouse, [full, short, broken])

    assert [(r.received, r.loaded, r.quarantined) for r in results] == [(1, 1, 0), (1, 1, 0), (3, 2, 1)]
    assert warehouse.execute(
        "SELECT event_id, source_row_number, package_id, properties FROM raw.usage_events ORDER BY event_id"
    ).fetchall() == [
        ("a", 1, "pkg_slack_notify", '{"k":"v"}'),
        ("b", 1, None, "{}"),
        ("c", 1, "pkg_slack_notify", "{}"),
        ("d", 3, "pkg_slack_notify", "{}"),
    ]


def test_ndjson_rejects_are_numbered_within_their_own_file(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    clean = write_ndjson(tmp_path / "clean.ndjson", [event(id="a"), event(id="b")])
    dirty = tmp_path / "dirty.ndjson"
    dirty.write_bytes(
        write_ndjson(tmp_path / "x.ndjson", [event(id="c")]).read_bytes()
        + b"\xff\xfe not utf-8\n"
        + write_ndjson(tmp_path / "y.ndjson", [event(id="d")]).read_bytes()
    )
    results = load_files(warehouse, [clean, dirty])

    assert [(r.received, r.loaded, r.quarantined) for r in results] == [(2, 2, 0), (3, 2, 1)]
    assert warehouse.execute(
        "SELECT event_id, source_row_number FROM raw.usage_events ORDER BY event_id"
    ).fetchall() == [("a", 1), ("b", 2), ("c", 1), ("d", 3)]
    assert warehouse.execute("SELECT source_row_number, reason FROM raw.usage_quarantine").fetchall() == [
        (2, "malformed_record")
    ]


def test_an_unreadable_file_loads_the_files_before_it_and_a_fixed_rerun_matches_a_clean_run(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    files = intake_files(tmp_path, 6)
    bad = tmp_path / "landing" / "2026-10-04" / "req_003.parquet"
    bad.write_text("not parquet at all")
    with_bad = [*files[:3], bad, *files[3:]]
    clean = fresh_copy(warehouse, tmp_path, "clean")
    load_files(clean, files)

    with pytest.raises(IngestFileError, match=r"req_003\.parquet: cannot be read as parquet"):
        load_files(warehouse, with_bad)

    assert warehouse.execute("SELECT count(*) FROM raw.ingest_batches").fetchone() == (3,)
    bad.unlink()
    results = load_files(warehouse, files)
    assert [r.skipped_already_loaded for r in results] == [True] * 3 + [False] * 3
    assert snapshot(warehouse) == snapshot(clean)


def test_a_crash_in_a_later_chunk_keeps_the_earlier_chunks_and_a_rerun_matches_a_clean_run(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "CHUNK_FILES", 4)
    files = intake_files(tmp_path, 10)
    clean = fresh_copy(warehouse, tmp_path, "clean")
    load_files(clean, files)
    original = write.insert_quarantine
    chunks_written = []

    def crash_in_second_chunk(self: Any) -> Any:
        chunks_written.append(len(self.files))
        if len(chunks_written) == 2:
            raise RuntimeError("power cut in the second chunk")
        return original(self)

    with monkeypatch.context() as patch:
        patch.setattr(write, "insert_quarantine", crash_in_second_chunk)
        with pytest.raises(RuntimeError, match="power cut"):
            load_files(warehouse, files)

    assert warehouse.execute("SELECT count(*) FROM raw.ingest_batches").fetchone() == (4,)
    results = load_files(warehouse, files)
    assert [r.skipped_already_loaded for r in results] == [True] * 4 + [False] * 6
    assert snapshot(warehouse) == snapshot(clean)


def test_chunking_does_not_change_what_is_loaded(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = intake_files(tmp_path, 12)
    one_chunk = fresh_copy(warehouse, tmp_path, "one_chunk")
    whole = load_files(one_chunk, files)
    monkeypatch.setattr(plan, "CHUNK_FILES", 5)

    chunked = load_files(warehouse, files)

    assert [(r.batch_id, r.received, r.loaded, r.duplicates, r.quarantined) for r in chunked] == [
        (r.batch_id, r.received, r.loaded, r.duplicates, r.quarantined) for r in whole
    ]
    assert snapshot(warehouse) == snapshot(one_chunk)


def corrupt_data_pages(path: Path) -> None:
    """Keep the footer (so the file plans fine) and overwrite the data pages."""
    data = bytearray(path.read_bytes())
    footer_length = int.from_bytes(data[-8:-4], "little")
    data[4 : len(data) - 8 - footer_length] = b"\xab" * (len(data) - 12 - footer_length)
    path.write_bytes(bytes(data))


def test_a_file_whose_data_cannot_be_read_loads_the_files_before_it_in_its_chunk(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    files = intake_files(tmp_path, 4)
    bad = write_parquet(tmp_path / "bad.parquet", [event(id=f"p{i}") for i in range(50)])
    corrupt_data_pages(bad)

    with pytest.raises(IngestFileError, match=r"bad\.parquet: cannot be read as parquet"):
        load_files(warehouse, [*files[:2], bad, *files[2:]])

    assert warehouse.execute("SELECT source_uri FROM raw.ingest_batches ORDER BY loaded_at").fetchall() == [
        (str(f.resolve()),) for f in files[:2]
    ]
    assert warehouse.execute("SELECT count(*) FROM raw.usage_events").fetchone() == (6,)
