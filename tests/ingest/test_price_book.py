"""The price book (DESIGN 3.2): what parses, what is refused and why, and how it lands in DuckDB."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from billing.money import minor_units
from billing.price_book import PriceBookError, load_price_book, parse_price_book
from ingest.price_book_tables import write_price_book_tables

DESIGN_EXAMPLE = """\
currency: usd
metrics:
  workflow_runs:   {aggregation: count}
  compute_seconds: {aggregation: sum}
  storage_gb:      {aggregation: max}
  active_users:    {aggregation: unique_count, property: user_id}
prices:
  - id: price_runs
    metric: workflow_runs
    package_id: null
    billing_scheme: tiered
    tiers_mode: graduated
    tiers:
      - {up_to: 1000, unit_amount: "0"}
      - {up_to: inf, unit_amount: "0.002", flat_amount: "5"}
    free_units: "0"
    minimum_amount: null
    revenue_share: "0.70"
  - id: price_compute
    metric: compute_seconds
    billing_scheme: per_unit
    unit_amount: "0.00001"
    transform_quantity: {divide_by: 60, round: up}
plans:
  - {id: team, amount: "49"}
  - {id: business, amount: "499"}
"""

HEADER = """\
currency: usd
metrics:
  runs: {aggregation: count}
  seconds: {aggregation: sum}
prices:
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(PriceBookError) as caught:
        parse_price_book(text, source="test.yaml")
    return caught.value.problems


def problems_of_price(price_yaml: str) -> list[str]:
    return problems_of(HEADER + price_yaml)


def test_design_example_parses_with_exact_decimals() -> None:
    book = parse_price_book(DESIGN_EXAMPLE, source="design")

    assert book.currency == "usd"
    assert book.minor_units == 2
    assert set(book.metrics) == {"workflow_runs", "compute_seconds", "storage_gb", "active_users"}
    runs, compute = book.prices
    assert runs.tiers is not None
    assert runs.tiers[0].up_to == Decimal("1000")
    assert runs.tiers[1].up_to is None
    assert runs.tiers[1].unit_amount == Decimal("0.002")
    assert runs.revenue_share == Decimal("0.70")
    assert compute.unit_amount == Decimal("0.00001")
    assert compute.transform_quantity is not None
    assert compute.transform_quantity.divide_by == Decimal("60")
    assert [p.amount for p in book.plans] == [Decimal("49"), Decimal("499")]
    assert len(book.content_sha256) == 64


def test_yaml_numbers_become_exact_decimals_not_binary_floats() -> None:
    book = parse_price_book(
        HEADER + "  - {id: p, metric: runs, billing_scheme: per_unit, unit_amount: 0.002}\n", source="t"
    )
    assert book.prices[0].unit_amount == Decimal("0.002")
    assert str(book.prices[0].unit_amount) == "0.002"


@pytest.mark.parametrize("spelling", ["inf", ".inf", '"inf"', "Infinity", ".Inf"])
def test_every_spelling_of_infinity_means_an_unbounded_last_tier(spelling: str) -> None:
    book = parse_price_book(
        HEADER
        + "  - id: p\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: volume\n"
        + f"    tiers:\n      - {{up_to: 10, unit_amount: '1'}}\n      - {{up_to: {spelling}, unit_amount: '0.5'}}\n",
        source="t",
    )
    tiers = book.prices[0].tiers
    assert tiers is not None
    assert tiers[-1].up_to is None


def test_tiers_must_end_with_inf() -> None:
    problems = problems_of_price(
        "  - id: price_runs\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: graduated\n"
        "    tiers:\n      - {up_to: 1000, unit_amount: '0'}\n"
    )
    assert "Price 'price_runs': tiers must end with up_to: inf" in problems


def test_up_to_must_increase() -> None:
    problems = problems_of_price(
        "  - id: x\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: graduated\n"
        "    tiers:\n      - {up_to: 1000, unit_amount: '0'}\n      - {up_to: 500, unit_amount: '1'}\n"
        "      - {up_to: inf, unit_amount: '2'}\n"
    )
    assert "Price 'x': up_to must increase (1000 then 500)" in problems


def test_only_the_last_tier_may_be_unbounded() -> None:
    problems = problems_of_price(
        "  - id: x\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: graduated\n"
        "    tiers:\n      - {up_to: inf, unit_amount: '0'}\n      - {up_to: inf, unit_amount: '1'}\n"
    )
    assert "Price 'x': tiers[0]: only the last tier may have up_to: inf" in problems


def test_a_tier_needs_an_amount() -> None:
    problems = problems_of_price(
        "  - id: x\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: volume\n"
        "    tiers:\n      - {up_to: inf}\n"
    )
    assert any("tiers[0] needs unit_amount or flat_amount" in p for p in problems)


def test_unknown_metric_lists_the_defined_ones() -> None:
    problems = problems_of_price("  - {id: x, metric: foo, billing_scheme: per_unit, unit_amount: '1'}\n")
    assert "Price 'x': unknown metric 'foo' (defined: runs, seconds)" in problems


def test_tiered_needs_tiers_mode_and_tiers() -> None:
    problems = problems_of_price("  - {id: x, metric: runs, billing_scheme: tiered}\n")
    assert "Price 'x': billing_scheme tiered needs tiers_mode: graduated or volume" in problems
    assert any(p.startswith("Price 'x': billing_scheme tiered needs tiers") and "list" in p for p in problems)


def test_per_unit_needs_unit_amount() -> None:
    problems = problems_of_price("  - {id: x, metric: runs, billing_scheme: per_unit}\n")
    assert any("per_unit needs unit_amount" in p for p in problems)


def test_per_unit_refuses_tiers() -> None:
    problems = problems_of_price(
        "  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: '1', tiers_mode: volume}\n"
    )
    assert any("tiers and tiers_mode belong to tiered prices" in p for p in problems)


@pytest.mark.parametrize("divide_by", ["0", "-5"])
def test_transform_quantity_divides_by_a_positive_number(divide_by: str) -> None:
    problems = problems_of_price(
        "  - {id: x, metric: seconds, billing_scheme: per_unit, unit_amount: '1',"
        f" transform_quantity: {{divide_by: '{divide_by}', round: up}}}}\n"
    )
    assert any("transform_quantity.divide_by must be greater than 0" in p for p in problems)


def test_transform_quantity_rounds_only_up_or_down() -> None:
    problems = problems_of_price(
        "  - {id: x, metric: seconds, billing_scheme: per_unit, unit_amount: '1',"
        " transform_quantity: {divide_by: 60, round: nearest}}\n"
    )
    assert any("transform_quantity.round" in p and "'up' or 'down'" in p for p in problems)


@pytest.mark.parametrize("share", ["1.5", "-0.1"])
def test_revenue_share_is_a_fraction(share: str) -> None:
    problems = problems_of_price(
        f"  - {{id: x, metric: runs, package_id: pkg, billing_scheme: per_unit, unit_amount: '1', revenue_share: '{share}'}}\n"
    )
    assert any("revenue_share must be between 0 and 1" in p for p in problems)


def test_duplicate_price_ids_are_refused() -> None:
    problems = problems_of_price(
        "  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: '1'}\n"
        "  - {id: x, metric: seconds, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert "Price 'x': duplicate price id; each price needs its own id" in problems


def test_two_prices_for_the_same_metric_and_package_are_refused() -> None:
    problems = problems_of_price(
        "  - {id: a, metric: runs, package_id: pkg, billing_scheme: per_unit, unit_amount: '1'}\n"
        "  - {id: b, metric: runs, package_id: pkg, billing_scheme: per_unit, unit_amount: '2'}\n"
        "  - {id: c, metric: runs, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert problems == [
        "Price 'b': metric 'runs' with package_id pkg is already priced by 'a'; one price per (metric, package_id)"
    ]


def test_unique_count_needs_a_property() -> None:
    problems = problems_of(
        "currency: usd\nmetrics:\n  users: {aggregation: unique_count}\n"
        "prices:\n  - {id: x, metric: users, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert problems == [
        "Metric 'users': unique_count needs `property` (the event property whose values are counted)"
    ]


def test_aggregation_must_be_known() -> None:
    problems = problems_of(
        "currency: usd\nmetrics:\n  runs: {aggregation: average}\n"
        "prices:\n  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert len(problems) == 1
    assert problems[0].startswith("Metric 'runs': aggregation:")
    assert "'count', 'sum', 'max', 'unique_count', 'latest' or 'weighted_sum'" in problems[0]


def test_unknown_currency_is_refused() -> None:
    problems = problems_of(
        HEADER.replace("usd", "xyz")
        + "  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert any("unknown currency 'xyz'" in p for p in problems)


def test_extra_fields_are_refused_with_the_allowed_ones_named() -> None:
    problems = problems_of_price(
        "  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: '1', unit_price: '2'}\n"
    )
    assert len(problems) == 1
    assert problems[0].startswith("Price 'x': unknown field 'unit_price' (allowed: id, metric, package_id")


def test_extra_fields_in_a_tier_name_the_tier_fields() -> None:
    problems = problems_of_price(
        "  - id: x\n    metric: runs\n    billing_scheme: tiered\n    tiers_mode: volume\n"
        "    tiers:\n      - {up_to: inf, unit_amount: '1', amount: '2'}\n"
    )
    assert problems == [
        "Price 'x': unknown field 'tiers[0].amount' (allowed: up_to, unit_amount, flat_amount)"
    ]


def test_amounts_that_are_not_decimals_are_refused() -> None:
    problems = problems_of_price("  - {id: x, metric: runs, billing_scheme: per_unit, unit_amount: 'two'}\n")
    assert len(problems) == 1
    assert "unit_amount" in problems[0]
    assert "expected a decimal" in problems[0]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        "currency: xyz\nmetrics:\n  runs: {aggregation: count}\n"
        "prices:\n"
        "  - {id: a, metric: foo, billing_scheme: per_unit, unit_amount: '1'}\n"
        "  - {id: b, metric: runs, billing_scheme: tiered}\n"
        "  - {id: c, metric: runs, billing_scheme: per_unit, unit_amount: '1', revenue_share: '2'}\n"
    )
    assert len(problems) >= 5
    assert str(PriceBookError("f.yaml", problems)).startswith(f"f.yaml: {len(problems)} problem(s)")


def test_minor_units_follow_iso_4217() -> None:
    assert minor_units("usd") == 2
    assert minor_units("EUR") == 2
    assert minor_units("jpy") == 0
    assert minor_units("krw") == 0
    assert minor_units("kwd") == 3
    with pytest.raises(ValueError, match="unknown currency"):
        minor_units("xyz")


def test_load_price_book_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PriceBookError, match="cannot read the file"):
        load_price_book(tmp_path / "missing.yaml")


def test_price_book_round_trips_into_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "price_book.yaml"
    path.write_text(DESIGN_EXAMPLE)
    book = load_price_book(path)
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))

    write_price_book_tables(conn, book, source_uri=str(path))
    write_price_book_tables(conn, book, source_uri=str(path))  # replaced, not appended

    assert conn.sql("SELECT currency, minor_units, source_uri FROM raw.price_book_settings").fetchall() == [
        ("usd", 2, str(path))
    ]
    assert conn.sql(
        "SELECT metric_id, aggregation, property FROM raw.price_book_metrics ORDER BY 1"
    ).fetchall() == [
        ("active_users", "unique_count", "user_id"),
        ("compute_seconds", "sum", None),
        ("storage_gb", "max", None),
        ("workflow_runs", "count", None),
    ]
    assert conn.sql(
        "SELECT price_id, billing_scheme, tiers_mode, unit_amount, free_units, revenue_share,"
        " transform_divide_by, transform_round FROM raw.price_book_prices ORDER BY 1"
    ).fetchall() == [
        ("price_compute", "per_unit", None, Decimal("0.00001"), Decimal(0), None, Decimal(60), "up"),
        ("price_runs", "tiered", "graduated", None, Decimal(0), Decimal("0.7"), None, None),
    ]
    assert conn.sql(
        "SELECT tier_index, up_to, unit_amount, flat_amount FROM raw.price_book_tiers ORDER BY 1"
    ).fetchall() == [
        (1, Decimal(1000), Decimal(0), Decimal(0)),
        (2, None, Decimal("0.002"), Decimal(5)),
    ]
    assert conn.sql("SELECT plan_id, amount FROM raw.price_book_plans ORDER BY amount").fetchall() == [
        ("team", Decimal(49)),
        ("business", Decimal(499)),
    ]


def test_a_failed_write_leaves_the_previous_book_in_place(tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    book = parse_price_book(DESIGN_EXAMPLE, source="design")
    write_price_book_tables(conn, book, source_uri="v1")
    # A tier amount too large for DECIMAL(38, 12) fails inside the transaction, after the deletes.
    huge = book.model_copy(
        update={"plans": [book.plans[0].model_copy(update={"amount": Decimal("1" + "0" * 30)})]}
    )
    with pytest.raises(duckdb.Error):
        write_price_book_tables(conn, huge, source_uri="v2")
    assert conn.sql("SELECT source_uri FROM raw.price_book_settings").fetchall() == [("v1",)]
    assert conn.execute("SELECT count(*) FROM raw.price_book_plans").fetchone() == (2,)
