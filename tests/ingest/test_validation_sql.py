"""The SQL rules give the same values as the Python ones, field by field, fast path or not.

The differential test (tests/api/test_intake_agrees_with_loader.py) compares reasons; this one compares
what is stored: the UTC instant of a timestamp and the exact decimal of a quantity, for texts on both
sides of every fast-path boundary (ingest.validation.FAST_TIMESTAMP, FAST_QUANTITY).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.validation import (
    RECORD_COLUMNS,
    parse_line,
    parse_timestamp,
    quantity_verdict,
    record_columns,
    sql_stages,
)

EDGE_TIMESTAMPS = [
    "2026-10-03T12:00:00Z",
    "2026-10-03T12:00:00.5Z",
    "2026-10-03T12:00:00.123456Z",
    "2026-10-03T12:00:00.1234567Z",
    "2026-10-03T12:00:00.9999999Z",
    "2026-10-03T12:00:00+02:00",
    "2026-10-03T12:00:00-02:00",
    "2026-10-03T12:00:00+18:00",
    "2026-10-03T12:00:00-18:00",
    "2026-10-03T12:00:00+18:01",
    "2026-10-03T12:00:00+17:59",
    "2026-10-03T12:00:00+00:60",
    "2026-10-03T12:00:00+0200",
    "2026-10-03T12:00:00+02",
    "2026-10-03t12:00:00z",
    "2026-10-03 12:00:00Z",
    "2026-10-03T12:00:00",
    "2026-10-03",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-10-03T24:00:00Z",
    "2026-10-03T23:60:00Z",
    "2026-10-03T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:30:00+01:00",
    "0999-12-31T23:59:59Z",
    "1000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:00:00-02:00",
    "9999-12-31T23:00:00+02:00",
    "+2026-10-03T12:00:00Z",
    " 2026-10-03T12:00:00Z",
    "2026-10-03T12:00:00Z ",
    "2026-1-03T12:00:00Z",
    "2026-10-03T12:00:00.Z",
    "2026-10-03T12:00:00,5Z",
    "２０２６-10-03T12:00:00Z",
    "2026-10-03T12:00:00\x00Z",
    "",
]
EDGE_QUANTITIES = [
    "0",
    "1",
    "007",
    "1.5",
    "1.",
    ".5",
    "0.000000001",
    "0.0000000001",
    "1.500000000000",
    "999999999999",
    "9999999999999",
    "0000000000001",
    "999999999999.999999999",
    "1e3",
    "1E-9",
    "-0",
    "-1",
    "+1",
    " 2 ",
    "1_0",
    "NaN",
    "١",
    "",
]


def sql_values(texts: list[tuple[str, str]]) -> list[tuple[datetime | None, str | None, Decimal | None]]:
    stages = sql_stages("timestamp", "quantity")
    ctes = ",\n".join(
        f"stage_{n} AS (SELECT *, {', '.join(exprs)} FROM {'source' if n == 0 else f'stage_{n - 1}'})"
        for n, exprs in enumerate(stages)
    )
    conn = duckdb.connect()
    conn.execute("CREATE TABLE source (n INTEGER, timestamp VARCHAR, quantity VARCHAR)")
    conn.executemany("INSERT INTO source VALUES (?, ?, ?)", [(i, t, q) for i, (t, q) in enumerate(texts)])
    return [
        (occurred_at, reason, value)
        for _, occurred_at, reason, value in conn.execute(
            f"WITH {ctes} SELECT n, occurred_at, quantity_reason, quantity_value FROM stage_{len(stages) - 1}"
            " ORDER BY n"
        ).fetchall()
    ]


def python_values(timestamp: str, quantity: str) -> tuple[datetime | None, str | None, Decimal | None]:
    reason, canonical = quantity_verdict(quantity)
    return parse_timestamp(timestamp), reason, None if canonical is None else Decimal(canonical)


def assert_same(texts: list[tuple[str, str]]) -> None:
    got = sql_values(texts)
    mismatches = {
        texts[i]: (python_values(*texts[i]), got[i])
        for i in range(len(texts))
        if python_values(*texts[i]) != got[i]
    }
    assert not mismatches, f"(timestamp, quantity) -> (python, sql): {mismatches}"


def test_sql_rules_store_what_the_python_rules_compute_at_every_fast_path_edge() -> None:
    assert_same(list(itertools.zip_longest(EDGE_TIMESTAMPS, EDGE_QUANTITIES, fillvalue="1")))


_digits = st.text("0123456789", min_size=1, max_size=4)
_timestamps = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone: f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac}{zone}",
    st.one_of(st.integers(0, 9999).map(lambda y: f"{y:04d}"), _digits),
    st.one_of(st.integers(0, 13).map(lambda v: f"{v:02d}"), _digits),
    st.one_of(st.integers(0, 32).map(lambda v: f"{v:02d}"), _digits),
    st.integers(0, 25).map(lambda v: f"{v:02d}"),
    st.integers(0, 61).map(lambda v: f"{v:02d}"),
    st.integers(0, 61).map(lambda v: f"{v:02d}"),
    st.one_of(st.just(""), st.text("0123456789", min_size=0, max_size=9).map(lambda f: "." + f)),
    st.one_of(
        st.sampled_from(["Z", "z", "", "+00:00", "-00:00"]),
        st.builds(
            lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
            st.sampled_from("+-"),
            st.integers(0, 25),
            st.integers(0, 61),
        ),
    ),
)
_quantities = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.builds(
        lambda a, b: f"{a}.{b}", st.text("0123456789", max_size=14), st.text("0123456789", max_size=11)
    ),
    st.text("0123456789", min_size=1, max_size=14),
)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.tuples(_timestamps, _quantities), min_size=50, max_size=200))
def test_sql_rules_store_what_the_python_rules_compute_on_generated_texts(
    texts: list[tuple[str, str]],
) -> None:
    assert_same(texts)


# -- the NDJSON record: record_columns (the loader's) against parse_line (the API's), line for line -------------

GOOD_LINE = (
    b'{"id":"e","tenant_id":"ten_acme","metric":"workflow_runs","quantity":"1",'
    b'"timestamp":"2026-10-03T12:00:00Z","package_id":null,"properties":{"user_id":"u1"}}'
)
ODD_LINES = [
    GOOD_LINE.replace(b'"quantity":"1"', b'"quantity":1.50'),
    GOOD_LINE.replace(b'"quantity":"1"', b'"quantity":-0'),
    GOOD_LINE.replace(b'"id":"e"', b'"id":7'),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b'{"tags":["a",{"b":[1]}]}'),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b'"not an object"'),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b"null"),
    GOOD_LINE.replace(b'"u1"', b'"{[x]}"'),
    GOOD_LINE.replace(b'"u1"', b'"a\\":b"'),
    GOOD_LINE.replace(b'"id":"e"', b'"id" : "e"'),
    GOOD_LINE.replace(b'"id":"e"', b'"id":"e","id":"f"'),
    GOOD_LINE.replace(b'"id":"e"', b'"id":"e","\\u0069d":"f"'),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b'{"a":1,"a":2}'),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b"[" * 40 + b"]" * 40),
    GOOD_LINE.replace(b'{"user_id":"u1"}', b'{"a":' * 40 + b"1" + b"}" * 40),
    GOOD_LINE[:-1] + b",}",
    GOOD_LINE.replace(b'"1"', b"NaN"),
    GOOD_LINE.replace(b"u1", b"u\x001"),
    GOOD_LINE.replace(b"u1", b"\xff"),
    GOOD_LINE + b"\r",
    b"[1,2]",
    b'"just a string"',
    b"{",
    b"#atom-rejected unknown_tenant\t" + __import__("base64").b64encode(GOOD_LINE),
]


def assert_columns_match_records(lines: list[bytes]) -> None:
    columns = record_columns(lines)
    for index, line in enumerate(lines):
        record = parse_line(line)
        got = {name: columns[name][index] for name in RECORD_COLUMNS}
        want = {**record.fields, "raw": record.raw, "detail": record.detail, "reason": record.reason}
        assert got == want, (line, got, want)


def test_record_columns_give_parse_lines_verdicts_alone_and_among_many_good_lines() -> None:
    good = [GOOD_LINE.replace(b'"id":"e"', f'"id":"e{i}"'.encode()) for i in range(50)]
    for odd in ODD_LINES:
        assert_columns_match_records([odd])
        assert_columns_match_records([*good[:25], odd, *good[25:]])
    assert_columns_match_records(good)
    assert_columns_match_records([*good, *ODD_LINES])
