"""A real Dagster build of a small generated marketplace into a temporary warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from atom import clock
from atom.settings import Settings
from orchestration.run import run_build
from tests.billing.conftest import billing_home, built_home  # noqa: F401 (fixtures)
from tests.orchestration.conftest import generate_small, use_home

pytestmark = pytest.mark.slow


def _scalar(path, sql: str):
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchone()[0]


def _invoice_lines(path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select * from marts.fct_invoice_lines order by all").fetchall()


def test_build_loads_reconciles_rates_and_publishes_the_snapshot(small_home: Settings) -> None:
    summary = run_build()
    assert summary.success, summary.error
    assert summary.checks_failed == []
    usage = summary.usage
    assert usage["received"] == usage["loaded"] + usage["duplicates"] + usage["quarantined"]
    assert usage["loaded"] > 40_000 and usage["duplicates"] > 0 and usage["quarantined"] > 0

    warehouse = small_home.warehouse_path
    assert _scalar(warehouse, "select count(*) from raw.usage_events") == usage["loaded"]
    assert _scalar(warehouse, "select count(*) from raw.usage_quarantine") == usage["quarantined"]
    assert (
        _scalar(
            warehouse,
            "select count(*) from raw.ingest_batches where received <> loaded + duplicates + quarantined",
        )
        == 0
    )

    serving = small_home.serving_path
    assert serving.exists()
    for mart in (
        "fct_invoice_lines",
        "fct_invoices",
        "fct_usage_daily",
        "fct_revenue_monthly",
        "fct_active_tenants_monthly",
        "dim_tenants",
        "dim_packages",
    ):
        assert _scalar(serving, f"select count(*) from marts.{mart}") > 0, mart
    # Invoice totals are the sum of their rounded lines, and every rated month of the history is present.
    assert (
        _scalar(
            serving,
            """select count(*) from marts.fct_invoices i
           join (select tenant_id, period, sum(line_amount) s from marts.fct_invoice_lines group by 1, 2) l
           using (tenant_id, period) where i.total_amount <> l.s""",
        )
        == 0
    )
    assert _scalar(serving, "select count(distinct period) from marts.fct_invoice_lines") == 7
    assert list(summary.stage_seconds) == ["reference", "usage", "transform"]


def test_rebuilding_loads_nothing_twice_and_changes_no_invoice(billing_home: Settings) -> None:  # noqa: F811
    # billing_home: a copy of the run's built small marketplace (the first build).
    lines_before = _invoice_lines(billing_home.serving_path)

    # A file nobody can read lands later: it is set aside with its reason instead of blocking every build.
    day = billing_home.landing_dir / clock.today().isoformat()  # builds always reload today
    day.mkdir(parents=True, exist_ok=True)
    unreadable = day / "batch_from_a_broken_exporter.csv"
    unreadable.write_text("id,tenant_id,metric,quantity\ne1,t1,workflow_runs,1\n")

    second = run_build()
    assert second.success, second.error
    assert second.usage.get("loaded", 0) == 0 and second.usage.get("received", 0) == 0
    assert _invoice_lines(billing_home.serving_path) == lines_before

    assert second.usage["unreadable_files"] == 1
    assert second.checks_warned == ["raw/usage_events:landed_files_readable"] and second.checks_failed == []
    kept = billing_home.rejected_dir / day.name / unreadable.name
    assert not unreadable.exists() and kept.read_text().startswith("id,tenant_id")
    reason = (kept.parent / (kept.name + ".reason.txt")).read_text()
    assert "missing column(s) timestamp" in reason


@pytest.mark.parametrize(
    ("today", "last_period"),
    [(date(2026, 11, 30), "2026-11"), (date(2026, 12, 1), "2026-12")],
    ids=["last-day-of-month", "first-day-of-month"],
)
def test_generator_and_build_share_one_clock_across_a_month_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, today: date, last_period: str
) -> None:
    """Generated as of ATOM_TODAY and built as of it too, whatever the wall clock says: the rated months
    are exactly the generator's six whole months plus the pinned month, and MRR is measured that day."""
    settings = use_home(monkeypatch, tmp_path / "home", today=today)
    settings.ensure_dirs()
    generate_small(settings)
    summary = run_build()
    assert summary.success, summary.error
    with duckdb.connect(str(settings.serving_path), read_only=True) as conn:
        periods = [
            p
            for (p,) in conn.execute(
                "select distinct period from marts.fct_invoice_lines order by 1"
            ).fetchall()
        ]
        aging_as_of = conn.execute("select distinct as_of_date from marts.fct_ar_aging").fetchall()
    first = date(today.year, today.month, 1)
    assert len(periods) == 7 and periods[-1] == last_period, periods
    assert (
        periods[0]
        == f"{first.replace(year=first.year - (first.month <= 6), month=(first.month - 7) % 12 + 1):%Y-%m}"
    )
    assert aging_as_of in ([], [(today,)])


def test_a_home_without_a_price_book_builds_and_the_command_is_told_why_nothing_is_rated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The runs' console is silent (orchestration/warehouse_turn.py): what the assets warn of reaches the
    # command through the summary, which `atom build` and `atom ingest` print (and put in their JSON).
    from atom.opdb import migrate

    settings = use_home(monkeypatch, tmp_path / "home")
    settings.ensure_dirs()
    migrate(settings.database_url)  # what `atom init` does: an empty operational DB, no price book
    summary = run_build(stages=("reference",))
    assert summary.success, summary.error
    assert len(summary.warnings) == 1 and summary.warnings[0].startswith("No price book yet")
