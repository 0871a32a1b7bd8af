"""The same landed data gives the same marts on DuckDB and on Spark, invoice lines to the cent (DESIGN 4).

The small demo (50k events, seed 11, today pinned) on each engine:

- DuckDB: the run's shared build of it (``built_home`` of tests/billing/conftest.py: generated, then
  ``run_build`` as ``atom build`` runs it: the ingest stages, dbt's models and data tests, the snapshot);
- Spark (``ATOM_ENGINE=spark``, session method on ``local[2]``): that warehouse's ``raw`` schema exported to
  the lake as Parquet, then one ``dbt build`` of every model and the rating models' unit tests in one JVM. The
  data tests are left to DuckDB: the marts they check are asserted identical below, and on Spark they cost
  ~1 s each (150 of them). Every unit test runs on DuckDB in tests/dbt/test_unit_tests.py.

Measured on the 2-core machine: ~100 s for the Spark build at load average 4-8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from atom.dbt_cli import run_dbt
from atom.serving import publish_snapshot
from atom.settings import Settings, get_settings, reset_settings_cache
from atom.spark_lake import export_raw, load_marts
from tests.billing.conftest import built_home  # noqa: F401 (fixture)
from tests.orchestration.conftest import use_home

# The fixture builds the small demo on Spark, its JVM included: ~100 s at load 4-8 on 2 cores, and past the suite's
# 900 s per test when the cores are saturated (a first run at load 25-30 took over 30 min with every data test).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

# On Spark, the unit tests of the rating models: the exactness boundaries and the rating rules (every unit test
# runs on DuckDB in tests/dbt; each costs Spark a few seconds, and the demo's marts cover the other models).
RATING_MODELS = ("int_usage_lines_rated", "int_recurring_lines_prorated")

# The marts the contract names for money and usage, and the usage API's (fct_usage_monthly: each metric's own
# aggregation, decision 0096); every other mart is compared too.
KEY_MARTS = ("fct_invoice_lines", "fct_invoices", "fct_usage_daily", "fct_usage_monthly", "fct_mrr_movements")


@dataclass(frozen=True)
class Engines:
    duckdb_settings: Settings
    spark_settings: Settings
    duckdb_snapshot: Path
    spark_snapshot: Path


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory, built_home: Path) -> Iterator[Engines]:  # noqa: F811
    work = tmp_path_factory.mktemp("two_engines")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("ATOM_ENGINE", raising=False)
        duckdb_settings = use_home(monkeypatch, built_home)
        duckdb_snapshot = duckdb_settings.serving_path
        # The shared home is only read: other workers copy it meanwhile.
        with duckdb.connect(str(duckdb_settings.warehouse_path), read_only=True) as conn:
            export_raw(conn, str(work / "lake"))

        # Spark's metastore, warehouse folder and logs go to a home of its own.
        use_home(monkeypatch, work / "spark-home").ensure_dirs()
        monkeypatch.setenv("ATOM_ENGINE", "spark")
        monkeypatch.setenv("ATOM_SPARK_LAKE", str(work / "lake"))
        reset_settings_cache()
        spark_settings = get_settings()
        assert spark_settings.dbt_target == "spark"
        run_dbt(
            # Without --indirect-selection empty, selecting the models would select every test on them too.
            [
                *("build", "--indirect-selection", "empty", "--select", "resource_type:model"),
                # A unit test's fqn ends in its model's name and its own: with indirect selection empty,
                # `test_type:unit,<model>` would select none of them.
                *(f"fqn:*.{model}.*" for model in RATING_MODELS),
            ],
            target_path=work / "target-spark",
            log_path=work / "logs-spark",
        )
        results = json.loads((work / "target-spark" / "run_results.json").read_text())["results"]
        unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
        assert len(unit_tests) >= 10 and all(r["status"] == "pass" for r in unit_tests), unit_tests
        spark_snapshot = work / "serving-spark.duckdb"
        with duckdb.connect() as conn:
            load_marts(conn, spark_settings.spark_lake)
            publish_snapshot(conn, spark_snapshot)
        yield Engines(duckdb_settings, spark_settings, duckdb_snapshot, spark_snapshot)
    reset_settings_cache()


def _tables(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts' "
            "order by 1",
            [catalog],
        ).fetchall()
    ]


@pytest.fixture
def both(engines: Engines) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as conn:
        conn.execute(f"attach '{engines.duckdb_snapshot}' as on_duckdb (read_only)")
        conn.execute(f"attach '{engines.spark_snapshot}' as on_spark (read_only)")
        yield conn


def _same_marts_columns_and_types(both: duckdb.DuckDBPyConnection) -> None:
    marts = _tables(both, "on_duckdb")
    assert set(KEY_MARTS) <= set(marts)
    assert _tables(both, "on_spark") == marts
    for mart in marts:
        on_duckdb = both.execute(f"describe on_duckdb.marts.{mart}").fetchall()
        on_spark = both.execute(f"describe on_spark.marts.{mart}").fetchall()
        assert [column[:2] for column in on_spark] == [column[:2] for column in on_duckdb], mart


def _same_rows_in_every_mart(both: duckdb.DuckDBPyConnection) -> None:
    differences = {}
    for mart in _tables(both, "on_duckdb"):
        only_duckdb = both.execute(
            f"select count(*) from (select * from on_duckdb.marts.{mart} except all select * from on_spark.marts.{mart})"
        ).fetchone()
        only_spark = both.execute(
            f"select count(*) from (select * from on_spark.marts.{mart} except all select * from on_duckdb.marts.{mart})"
        ).fetchone()
        assert only_duckdb is not None and only_spark is not None
        if only_duckdb[0] or only_spark[0]:
            differences[mart] = {"only_on_duckdb": only_duckdb[0], "only_on_spark": only_spark[0]}
    assert differences == {}
    for mart in KEY_MARTS:
        row = both.execute(f"select count(*) from on_spark.marts.{mart}").fetchone()
        assert row is not None and row[0] > 0, f"{mart} is empty: the comparison proves nothing"


def _invoice_totals_agree_to_the_cent(both: duckdb.DuckDBPyConnection) -> None:
    mismatched = both.execute(
        """
        select d.tenant_id, d.period, d.total_amount, s.total_amount
        from on_duckdb.marts.fct_invoices as d
        full join on_spark.marts.fct_invoices as s using (tenant_id, period)
        where d.total_amount is distinct from s.total_amount
        """
    ).fetchall()
    assert mismatched == []
    (lines,) = both.execute("select count(*) from on_spark.marts.fct_invoice_lines").fetchone() or (0,)
    (cents,) = both.execute(
        "select count(*) from on_spark.marts.fct_invoice_lines where line_amount <> case minor_units "
        # Each branch cast on its own: DuckDB would type the case with the smallest scale of its branches.
        + " ".join(
            f"when {places} then cast(round(line_amount, {places}) as decimal(38, 6))" for places in range(5)
        )
        + " end"
    ).fetchone() or (1,)
    assert lines > 0 and cents == 0


def test_spark_builds_the_marts_duckdb_builds_row_for_row_invoice_lines_to_the_cent(
    both: duckdb.DuckDBPyConnection,
) -> None:
    # One test, not three: xdist may hand a module's tests to both workers, and each would then build the
    # module's fixture (Spark's build of the demo) again.
    _same_marts_columns_and_types(both)
    _same_rows_in_every_mart(both)
    _invoice_totals_agree_to_the_cent(both)
