"""The price book's latest / weighted_sum aggregations and percentage prices (decision 0701): what is
accepted, what is refused with a message that says what to fix, and how it lands in ``raw.price_book_*``."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from billing.price_book import PriceBookError, parse_price_book
from ingest.price_book_tables import write_price_book_tables

BOOK = """
currency: usd
metrics:
  seats:      {aggregation: latest}
  storage_gb: {aggregation: weighted_sum}
  payments:   {aggregation: sum}
prices:
  - {id: price_seats, metric: seats, billing_scheme: per_unit, unit_amount: "4"}
  - {id: price_storage, metric: storage_gb, billing_scheme: per_unit, unit_amount: "0.10"}
  - id: price_payments
    metric: payments
    package_id: pkg_pay
    billing_scheme: percentage
    percentage:
      rate: "2.9"
      fixed_amount: "0.30"
      per_event_minimum_amount: "0.50"
      per_event_maximum_amount: "5"
    minimum_amount: "1"
    revenue_share: "0.70"
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(PriceBookError) as caught:
        parse_price_book(text)
    return caught.value.problems


def book_with_payment_price(price_fields: str, aggregation: str = "sum") -> str:
    return (
        f"currency: usd\nmetrics:\n  payments: {{aggregation: {aggregation}}}\n"
        f"prices:\n  - {{id: pay, metric: payments, {price_fields}}}\n"
    )


def test_latest_weighted_sum_and_percentage_prices_are_accepted() -> None:
    book = parse_price_book(BOOK)
    assert book.metrics["seats"].aggregation == "latest"
    assert book.metrics["storage_gb"].aggregation == "weighted_sum"
    payments = next(p for p in book.prices if p.id == "price_payments")
    assert payments.billing_scheme == "percentage"
    assert payments.percentage is not None
    assert payments.percentage.rate == Decimal("2.9")
    assert payments.percentage.fixed_amount == Decimal("0.30")
    assert payments.percentage.per_event_minimum_amount == Decimal("0.50")
    assert payments.percentage.per_event_maximum_amount == Decimal("5")


def test_percentage_price_without_its_rate_says_how_to_write_it() -> None:
    assert problems_of(book_with_payment_price("billing_scheme: percentage")) == [
        "Price 'pay': billing_scheme percentage needs percentage: {rate: \"2.9\"} (percent of each event's amount)"
    ]


def test_percentage_rate_is_a_percent_between_0_and_100() -> None:
    problems = problems_of(book_with_payment_price("billing_scheme: percentage, percentage: {rate: '250'}"))
    assert problems == [
        "Price 'pay': percentage.rate is a percentage between 0 and 100 (e.g. \"2.9\" for 2.9 %), got 250"
    ]


def test_percentage_rate_keeps_at_most_ten_decimal_places() -> None:
    problems = problems_of(
        book_with_payment_price("billing_scheme: percentage, percentage: {rate: '0.00000000001'}")
    )
    assert problems == ["Price 'pay': percentage.rate has more than 10 decimal places (1E-11)"]


def test_percentage_per_event_minimum_above_maximum_is_refused() -> None:
    problems = problems_of(
        book_with_payment_price(
            "billing_scheme: percentage, percentage: "
            "{rate: '1', per_event_minimum_amount: '2', per_event_maximum_amount: '1'}"
        )
    )
    assert problems == [
        "Price 'pay': percentage.per_event_minimum_amount (2) is above per_event_maximum_amount (1); "
        "swap them or drop one"
    ]


def test_percentage_fees_must_not_be_negative() -> None:
    problems = problems_of(
        book_with_payment_price("billing_scheme: percentage, percentage: {rate: '1', fixed_amount: '-0.3'}")
    )
    assert problems == ["Price 'pay': percentage.fixed_amount must not be negative, got -0.3"]


def test_percentage_price_needs_a_sum_metric() -> None:
    problems = problems_of(
        book_with_payment_price("billing_scheme: percentage, percentage: {rate: '1'}", aggregation="count")
    )
    assert problems == [
        "Price 'pay': billing_scheme percentage takes a rate of the sum of event amounts, so its metric "
        "'payments' needs aggregation: sum (it has count)"
    ]


def test_percentage_price_refuses_unit_prices_tiers_transforms_and_free_units() -> None:
    problems = problems_of(
        book_with_payment_price(
            "billing_scheme: percentage, percentage: {rate: '1'}, unit_amount: '1', free_units: '10', "
            "transform_quantity: {divide_by: 10}"
        )
    )
    assert problems == [
        "Price 'pay': unit_amount, tiers and tiers_mode belong to per_unit and tiered prices; a percentage "
        'price takes percentage: {rate: "2.9", fixed_amount: "0.30"}',
        "Price 'pay': transform_quantity does not apply to a percentage price (it rates amounts, not units); "
        "remove it",
        "Price 'pay': free_units is not supported on a percentage price (a rate applies to every event's "
        "amount); remove it, or use minimum_amount for a floor on the line",
    ]


def test_percentage_block_on_a_unit_price_is_refused() -> None:
    problems = problems_of(
        book_with_payment_price("billing_scheme: per_unit, unit_amount: '1', percentage: {rate: '1'}")
    )
    assert problems == [
        "Price 'pay': percentage belongs to percentage prices; remove it or set billing_scheme: percentage"
    ]


def test_unknown_field_in_percentage_lists_the_allowed_ones() -> None:
    problems = problems_of(
        book_with_payment_price(
            "billing_scheme: percentage, percentage: {rate: '1', per_transaction_min_amount: 1}"
        )
    )
    assert problems == [
        "Price 'pay': unknown field 'percentage.per_transaction_min_amount' (allowed: rate, fixed_amount, "
        "per_event_minimum_amount, per_event_maximum_amount)"
    ]


def test_gauge_aggregations_take_no_property() -> None:
    problems = problems_of(
        "currency: usd\nmetrics:\n  seats: {aggregation: latest, property: user_id}\n"
        "prices:\n  - {id: x, metric: seats, billing_scheme: per_unit, unit_amount: '1'}\n"
    )
    assert problems == [
        "Metric 'seats': `property` is only used by unique_count; remove it or change the aggregation"
    ]


def test_percentage_terms_land_in_the_raw_price_table_as_published() -> None:
    conn = duckdb.connect(":memory:")
    write_price_book_tables(conn, parse_price_book(BOOK), source_uri="file:///book.yaml")
    assert conn.sql(
        "select price_id, billing_scheme, percentage_rate, percentage_fixed_amount,"
        " percentage_per_event_minimum_amount, percentage_per_event_maximum_amount"
        " from raw.price_book_prices order by price_id"
    ).fetchall() == [
        (
            "price_payments",
            "percentage",
            Decimal("2.9"),
            Decimal("0.3"),
            Decimal("0.5"),
            Decimal("5"),
        ),
        ("price_seats", "per_unit", None, None, None, None),
        ("price_storage", "per_unit", None, None, None, None),
    ]
    assert conn.sql("select metric_id, aggregation from raw.price_book_metrics order by 1").fetchall() == [
        ("payments", "sum"),
        ("seats", "latest"),
        ("storage_gb", "weighted_sum"),
    ]
