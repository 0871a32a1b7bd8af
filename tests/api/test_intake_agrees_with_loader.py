"""One definition of a valid event: the API's Python verdict and the loader's SQL verdict are the same.

Two paths over the same hostile records:

* **direct** (the differential test of issue 11): each NDJSON line is judged by the intake API's code
  (``parse_body`` + ``classify``, as ``POST /v1/usage`` runs them) and, written as a file, by the real loader
  into a real warehouse (``load_files``: the loader's SQL rules); the reason must be the same for every
  line, including "none". A fixed corpus of shapes attackers and broken clients send, plus hypothesis-made
  records and raw bytes, with a fixed budget so it runs in ``make test``.
* **through the API**: the events go through POST /v1/usage, the landed file is loaded, and the per-event
  answer equals the loader's quarantine row by row.

"Received" is pinned for both: the API's clock at the request, the loader's the batch manifest's
``received_at`` (for the direct path the test writes that manifest itself).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.price_book import parse_price_book
from ingest.api.intake import classify, parse_body
from ingest.landing import Manifest, manifest_path
from ingest.loader import load_file
from ingest.price_book_tables import write_price_book_tables
from ingest.raw_schema import create_raw_schema
from ingest.validation import Window
from tests.api.conftest import PRICE_BOOK, TENANTS, World, event, landed_files

RECEIVED = datetime(2026, 10, 4, 9, 30, tzinfo=UTC)
MAX_AGE_DAYS = 400
METRICS = frozenset({"workflow_runs", "compute_seconds"})

CASES: list[Any] = [
    event(id="plain"),
    event(id="number", quantity=1.5),
    event(id="int", quantity=3),
    event(id="exp", quantity="1e3"),
    event(id="spaces", quantity=" 2 "),
    event(id="zero", quantity="0"),
    event(id="nine_places", quantity="0.123456789"),
    event(id="ten_places", quantity="0.1234567891"),
    event(id="trailing_zeros", quantity="1.50000000000"),
    event(id="nan", quantity="NaN"),
    event(id="bool", quantity=True),
    event(id="neg", quantity=-2),
    event(id="huge", quantity="1" + "0" * 40),
    event(id="max", quantity="999999999999.999999999"),
    event(id="offset", timestamp="2026-10-03T14:00:00+02:00"),
    event(id="lower", timestamp="2026-10-03t12:00:00z"),
    event(id="nanos", timestamp="2026-10-03T12:00:00.123456789Z"),
    event(id="no_zone", timestamp="2026-10-03T12:00:00"),
    event(id="bad_day", timestamp="2026-02-30T00:00:00Z"),
    event(id="odd_offset", timestamp="2026-10-03T12:00:00+99:99"),
    event(id="leap_second", timestamp="2016-12-31T23:59:60Z"),
    event(id="year_1", timestamp="0001-01-01T00:00:00Z"),
    event(id="year_9999", timestamp="9999-12-31T23:59:59Z"),
    event(id="epoch", timestamp=1790000000),
    event(id="empty_metric", metric=""),
    event(id="no_tenant", tenant_id=None),
    event(id="ghost", tenant_id="ten_ghost"),
    event(id="coffee", metric="coffee"),
    event(id="props_list", properties=["a"]),
    event(id="props_null", properties=None),
    event(id="props_nested", properties={"user": {"id": 7}}),
    event(id="empty_package", package_id=""),
    event(id=12345),
    "not an object",
    event(id="plain"),  # an exact repeat within the request
    event(id="plain", quantity="5"),  # a conflicting repeat
    event(id="offset", timestamp="2026-10-03T12:00:00Z"),  # the same instant spelled in UTC: a duplicate
]

GOOD = '"id":"e","tenant_id":"ten_acme","metric":"workflow_runs","quantity":"1","timestamp":"2026-10-03T12:00:00Z"'
# Raw lines: the shapes of issue 11 and their relatives (each is one NDJSON record, without its \n).
HOSTILE_LINES: list[bytes] = [
    ("{" + GOOD + "}").encode(),
    ("{" + GOOD + "}\r").encode(),  # CRLF
    ("{" + GOOD + "}\r{" + GOOD.replace("ten_acme", "ten_beta") + "}").encode(),  # bare CR
    ("{" + GOOD + ',"tenant_id":"ten_beta"}').encode(),  # repeated key
    ("{" + GOOD + ',"tenant\\u005fid":"ten_beta"}').encode(),  # repeated key, escaped
    ("{" + GOOD + ',"properties":{"a":1,"a":2}}').encode(),  # repeated nested key
    ("{" + GOOD + ',"properties":{"a":"x\\":y"}}').encode(),  # '":' inside a string
    ("{" + GOOD + ",}").encode(),  # trailing comma
    ("{" + GOOD + ',"properties":[1,2,]}').encode(),
    ("{" + GOOD + "}\x00").encode(),  # NUL
    ("{" + GOOD.replace('"e"', '"e\x01"') + "}").encode(),  # control byte inside a string
    ("{" + GOOD + "}\x0b").encode(),  # a control byte that is not JSON whitespace
    ("{" + GOOD.replace('"1"', "NaN") + "}").encode(),
    ("{" + GOOD.replace('"1"', "Infinity") + "}").encode(),
    ("{" + GOOD.replace('"1"', "-Infinity") + "}").encode(),
    ("{" + GOOD.replace('"1"', "1e400") + "}").encode(),
    ("{" + GOOD.replace('"1"', "1e-400") + "}").encode(),
    ("{" + GOOD.replace('"1"', "0e999999999999") + "}").encode(),
    ("{" + GOOD.replace('"1"', "123456789012") + "}").encode(),
    ("{" + GOOD.replace('"1"', "1234567890123") + "}").encode(),
    ("{" + GOOD.replace('"1"', "12345678901234567890123456789") + "}").encode(),
    ("{" + GOOD.replace('"1"', "0.000000001") + "}").encode(),
    ("{" + GOOD.replace('"1"', "1.0000000001") + "}").encode(),
    ("{" + GOOD.replace('"1"', "-0") + "}").encode(),
    ("{" + GOOD.replace('"1"', "-0.0") + "}").encode(),
    ("{" + GOOD.replace('"1"', '"1_000"') + "}").encode(),
    ("{" + GOOD.replace('"1"', '"+.5"') + "}").encode(),
    ("{" + GOOD.replace('"1"', '"\u0661"') + "}").encode(),  # an Arabic-Indic digit
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-03T12:00:00+18:00") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-03T12:00:00-18:01") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-03T12:00:00+24:00") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-05T09:30:00Z") + "}").encode(),  # 1 day ahead
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-05T09:30:00.000001Z") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2025-08-30T09:30:00Z") + "}").encode(),  # 400 days old
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2025-08-30T09:29:59.999999Z") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "0001-01-01T00:00:00+00:01") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "0000-01-01T00:00:00Z") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2024-02-29T00:00:00Z") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "2026-10-03T12:00:00.Z") + "}").encode(),
    ("{" + GOOD.replace("2026-10-03T12:00:00Z", "２026-10-03T12:00:00Z") + "}").encode(),
    ("{" + GOOD.replace("ten_acme", "ten_beta") + "}").encode(),  # another tenant (pinned to ten_acme)
    (b'{"id":"e","tenant_id":"ten_acme"}'),
    b"\xef\xbb\xbf{" + GOOD.encode() + b"}",  # BOM (the first line of a body: dropped)
    b"{" + GOOD.encode() + b',"properties":{"u":"\xff"}}',  # not UTF-8
    b"{" + GOOD.encode() + b',"properties":{"u":"\\ud800"}}',  # a lone surrogate
    b"[" * 40 + b"]" * 40,
    b"{" + GOOD.encode() + b',"properties":' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"}",
    b"{" + GOOD.encode() + b',"properties":' + b'{"a":' * 30 + b"1" + b"}" * 30 + b"}",
    b"#atom-rejected unknown_tenant\tZm9v",  # the opaque form of a rejected record
    b"#atom-rejected whatever\t!!!",
    b"{" + GOOD.encode() + b"} // comment",
    b"{" + GOOD.encode() + b"} {}",
    b"[]",
    b"null",
    b"\t{" + GOOD.encode() + b"}\t",
]


@pytest.fixture
def warehouse(tmp_path: Path):  # type: ignore[no-untyped-def]
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_raw_schema(conn)
    write_price_book_tables(conn, parse_price_book(PRICE_BOOK, source="test"), source_uri="test")
    conn.executemany(
        "INSERT INTO raw.operational_tenants VALUES (?, ?, NULL, NULL, ?)",
        [(t, t.title(), datetime(2026, 1, 1)) for t in TENANTS],
    )
    yield conn
    conn.close()


def api_reasons(lines: list[bytes], pinned: str | None) -> dict[int, str]:
    """What POST /v1/usage answers for these NDJSON lines (the router's steps, without HTTP); an event
    naming another tenant than the key's makes the API refuse the whole request (403): per record, that is
    the loader's tenant_mismatch."""
    records = parse_body(b"\n".join(lines) + b"\n", "application/x-ndjson")
    batch = classify(
        records,
        metrics=METRICS,
        tenants=frozenset(TENANTS),
        only_tenant=pinned,
        window=Window.around(RECEIVED, MAX_AGE_DAYS),
    )
    reasons = {e.index: e.reason for e in batch.errors}
    reasons.update(dict.fromkeys(batch.foreign_tenant_indexes, "tenant_mismatch"))
    return reasons


def loader_reasons(
    conn: duckdb.DuckDBPyConnection, path: Path, lines: list[bytes], pinned: str | None
) -> dict[int, str]:
    path.write_bytes(b"\n".join(lines) + b"\n")
    manifest_path(path).write_bytes(Manifest(pinned, RECEIVED).encode())
    result = load_file(conn, path)
    assert result.is_reconciled
    rows = conn.execute(
        "SELECT source_row_number, reason FROM raw.usage_quarantine WHERE batch_id = ?", [result.batch_id]
    ).fetchall()
    # Row numbers are line numbers; map them back to record indexes (blank lines are no record).
    records = [n for n, line in enumerate(b"\n".join(lines).split(b"\n"), start=1) if line.strip(b" \t\r\n")]
    if lines and lines[0].startswith(b"\xef\xbb\xbf") and not lines[0][3:].strip(b" \t\r\n"):
        records = records[1:]
    index_of = {n: i for i, n in enumerate(records)}
    return {index_of[n]: reason for n, reason in rows if reason != "duplicate_id_conflict"}


def assert_same_verdicts(conn: duckdb.DuckDBPyConnection, path: Path, lines: list[bytes]) -> None:
    # Each line gets its own id, so the dedupe step (first wins) plays no part in the comparison.
    for pinned in (None, "ten_acme"):
        target = path.with_name(f"{path.stem}-{pinned}.ndjson")
        api = api_reasons(lines, pinned)
        loader = loader_reasons(conn, target, lines, pinned)
        mismatches = {
            i: (lines[i][:120], api.get(i), loader.get(i))
            for i in range(len(lines))
            if api.get(i) != loader.get(i) and i < len(lines)
        }
        assert not mismatches, f"pinned={pinned}: line -> (api, loader): {mismatches}"


def test_hostile_lines_get_the_same_reason_from_the_api_and_the_loader(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [line.replace(b'"id":"e"', f'"id":"e{i}"'.encode()) for i, line in enumerate(HOSTILE_LINES)]
    # A BOM counts only at the start of a body: put that line first.
    lines.sort(key=lambda line: not line.startswith(b"\xef\xbb\xbf"))
    assert_same_verdicts(warehouse, tmp_path / "hostile.ndjson", lines)


def test_hostile_events_get_the_same_reason_from_the_api_and_the_loader(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = []
    for i, case in enumerate(CASES):
        if isinstance(case, dict):
            case = {**case, "id": f"{case['id']}-{i}"}
        lines.append(json.dumps(case).encode())
    assert_same_verdicts(warehouse, tmp_path / "cases.ndjson", lines)


# -- hypothesis: records made of the pieces attackers vary -----------------------------------------------------

_texts = st.sampled_from(["1", "0", "-0", "1.5", " 2 ", "1e3", "1E-9", "1e-10", "NaN", "inf", "", "x", "1_0"])
_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.builds(
        lambda m, e: f"{m}e{e}",
        st.integers(min_value=-(10**14), max_value=10**14),
        st.integers(min_value=-40, max_value=40),
    ),
    st.builds(
        lambda a, b: f"{a}.{b}",
        st.integers(min_value=0, max_value=10**14),
        st.text("0123456789", min_size=1, max_size=14),
    ),
)
_timestamps = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{zone}",
    st.sampled_from([0, 1, 2016, 2024, 2025, 2026, 2027, 9999]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", ".5", ".123456789", "."]),
    st.one_of(
        st.sampled_from(["Z", "z", "", "+00:00", "-00:00"]),
        st.builds(
            lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
            st.sampled_from("+-"),
            st.integers(0, 99),
            st.integers(0, 99),
        ),
    ),
)
_near = st.builds(
    lambda seconds: (RECEIVED + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    st.integers(min_value=-401 * 86_400, max_value=2 * 86_400),
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))


@st.composite
def records(draw: st.DrawFn, index: int) -> bytes:
    fields: dict[str, Any] = {
        "id": f"h{index}",
        "tenant_id": draw(st.sampled_from(["ten_acme", "ten_beta", "ten_ghost", "", None])),
        "metric": draw(st.sampled_from(["workflow_runs", "compute_seconds", "coffee", ""])),
        "timestamp": draw(st.one_of(_timestamps, _near, _scalars)),
    }
    quantity = draw(st.one_of(_texts, _numbers, _scalars))
    as_number = draw(st.booleans()) and isinstance(quantity, str) and quantity.strip() == quantity
    properties = draw(
        st.one_of(st.none(), st.dictionaries(st.text(max_size=3), _scalars, max_size=3), _scalars)
    )
    body = json.dumps({**fields, "properties": properties})
    quantity_json = quantity if as_number else json.dumps(quantity)
    line = body[:-1] + f', "quantity": {quantity_json}' + "}"
    # A byte-level mutation: a control byte, a CR, a repeated key, a trailing comma, or nothing.
    mutation = draw(st.sampled_from(["", "cr", "nul", "repeat", "escaped_repeat", "comma", "bytes"]))
    raw = line.encode()
    if mutation == "cr":
        raw = raw[:-1] + b',\r"x":1}'
    elif mutation == "nul":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\x00" + raw[at:]
    elif mutation == "repeat":
        raw = raw[:-1] + b', "tenant_id": "ten_beta"}'
    elif mutation == "escaped_repeat":
        raw = raw[:-1] + b', "t\\u0065nant_id": "ten_beta"}'
    elif mutation == "comma":
        raw = raw[:-1] + b",}"
    elif mutation == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=4)).replace(b"\n", b"") + raw[at:]
    return raw


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_generated_records_get_the_same_reason_from_the_api_and_the_loader(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, data: st.DataObject
) -> None:
    count = data.draw(st.integers(min_value=20, max_value=60))
    lines = [data.draw(records(i)) for i in range(count)]
    lines = [line for line in lines if line.strip(b" \t\r\n")]
    path = tmp_path / f"generated-{abs(hash(tuple(lines)))}.ndjson"
    assert_same_verdicts(warehouse, path, lines)


# -- through the API --------------------------------------------------------------------------------------------


def loader_verdict(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[Any, dict[int, str]]:
    result = load_file(conn, path)
    reasons = dict(
        conn.execute(
            "SELECT source_row_number - 1, reason FROM raw.usage_quarantine WHERE batch_id = ?",
            [result.batch_id],
        ).fetchall()
    )
    return result, reasons


def test_every_event_gets_the_loaders_reason(client: TestClient, world: World, warehouse) -> None:  # type: ignore[no-untyped-def]
    body = client.post("/v1/usage", headers=world.auth("admin"), json=CASES).json()
    (path,) = landed_files(world.settings)
    result, reasons = loader_verdict(warehouse, path)
    assert {e["index"]: e["reason"] for e in body["errors"]} == reasons
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (
        result.loaded,
        result.duplicates,
        result.quarantined,
    )


def test_hostile_ndjson_lines_get_the_loaders_reason_through_the_api(
    client: TestClient, world: World, warehouse
) -> None:  # type: ignore[no-untyped-def]
    lines = [line.replace(b'"id":"e"', f'"id":"e{i}"'.encode()) for i, line in enumerate(HOSTILE_LINES)]
    lines = [line for line in lines if b"ten_beta" not in line or b"\r" in line or b"tenant" in line[-30:]]
    body = client.post(
        "/v1/usage",
        headers={**world.auth("admin"), "Content-Type": "application/x-ndjson"},
        content=b"\n".join(lines) + b"\n",
    ).json()
    (path,) = landed_files(world.settings)
    result, reasons = loader_verdict(warehouse, path)
    assert {e["index"]: e["reason"] for e in body["errors"]} == reasons
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (
        result.loaded,
        result.duplicates,
        result.quarantined,
    )


def test_duplicates_across_requests_agree_with_the_loader(
    client: TestClient, world: World, warehouse
) -> None:  # type: ignore[no-untyped-def]
    first = [event(id=f"e{i}") for i in range(5)]
    second = [*first[:3], event(id="e3", quantity="9"), event(id="new")]
    client.post("/v1/usage", headers=world.auth("ten_acme"), json=first)
    body = client.post("/v1/usage", headers=world.auth("ten_acme"), json=second).json()
    paths = landed_files(world.settings)
    loader_verdict(warehouse, paths[0])
    result, reasons = loader_verdict(warehouse, paths[1])
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 3, 1)
    assert (result.loaded, result.duplicates, result.quarantined) == (1, 3, 1)
    assert {e["index"]: e["reason"] for e in body["errors"]} == reasons == {3: "duplicate_id_conflict"}
