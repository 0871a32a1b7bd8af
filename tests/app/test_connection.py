"""The serving connection: read-only, exact decimals, and always the file that is at the path now."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from app.connection import SnapshotUnavailable, current_snapshot, cursor, read_frame
from tests.app.conftest import PortalHome, run_portal, sample_marts, write_serving_snapshot

TODAY = date(2026, 11, 14)
THIS_MONTH_REVENUE = (
    "select sum(line_amount) as amount from marts.fct_revenue_monthly where period = '2026-11'"
)


def test_no_snapshot_file_means_no_snapshot(portal_home: PortalHome) -> None:
    assert current_snapshot() is None


def test_snapshot_identity_changes_when_a_new_file_is_renamed_over_it(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(TODAY)[0])
    before = current_snapshot()
    write_serving_snapshot(portal_home.serving, sample_marts(TODAY)[0])

    after = current_snapshot()

    assert before is not None and after is not None
    assert after.path == before.path
    assert after != before


def test_new_snapshot_is_read_even_while_a_cursor_on_the_old_one_is_open(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(TODAY)[0])
    old = current_snapshot()
    assert old is not None
    with cursor(old) as held_open:  # another session still reading the previous snapshot
        fresh = portal_home.home / "next.duckdb"
        write_serving_snapshot(fresh, sample_marts(TODAY, slack_usage_this_month=Decimal("1000.00"))[0])
        os.replace(fresh, portal_home.serving)
        new = current_snapshot()
        assert new is not None

        assert read_frame(new, THIS_MONTH_REVENUE)["amount"][0] == Decimal("1099.100000")
        assert held_open.sql(THIS_MONTH_REVENUE).fetchall() == [(Decimal("199.350000"),)]


def test_money_columns_arrive_as_exact_decimals(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(TODAY)[0])
    snapshot = current_snapshot()
    assert snapshot is not None

    frame = read_frame(snapshot, "select line_amount from marts.fct_revenue_monthly order by line_amount")

    assert all(isinstance(value, Decimal) for value in frame["line_amount"])
    assert frame["line_amount"][0] == Decimal("49.00")


def test_snapshot_is_opened_read_only(portal_home: PortalHome) -> None:
    write_serving_snapshot(portal_home.serving, sample_marts(TODAY)[0])
    snapshot = current_snapshot()
    assert snapshot is not None

    with cursor(snapshot) as cur, pytest.raises(duckdb.Error, match="read-only"):
        cur.execute("delete from marts.fct_revenue_monthly")


def test_unreadable_snapshot_error_says_how_to_rebuild(portal_home: PortalHome) -> None:
    Path(portal_home.serving).write_bytes(b"this is not a duckdb file" * 200)
    snapshot = current_snapshot()
    assert snapshot is not None

    with pytest.raises(SnapshotUnavailable, match="atom build"):
        read_frame(snapshot, "select 1")


def test_portal_shows_an_error_not_a_traceback_for_an_unreadable_snapshot(portal_home: PortalHome) -> None:
    Path(portal_home.serving).write_bytes(b"this is not a duckdb file" * 200)

    at = run_portal()

    assert not at.exception
    assert any("atom build" in error.value for error in at.error)
