from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from sqlalchemy import text

from atom.opdb import make_engine

from .conftest import Generated

SEVEN_METRICS = {
    "workflow_runs": "count",
    "compute_seconds": "sum",
    "storage_gb": "max",
    "api_calls": "count",
    "data_egress_gb": "sum",
    "ai_tokens": "sum",
    "active_users": "unique_count",
}


def _book(small: Generated) -> dict[str, Any]:
    return yaml.safe_load(small.settings.price_book_path.read_text())


def test_price_book_declares_the_seven_metrics_with_their_aggregations(small: Generated) -> None:
    book = _book(small)
    assert book["currency"] == "usd"
    assert {m: spec["aggregation"] for m, spec in book["metrics"].items()} == SEVEN_METRICS
    assert book["metrics"]["active_users"]["property"] == "user_id"


def test_price_book_uses_every_pricing_scheme(small: Generated) -> None:
    prices = _book(small)["prices"]
    tiered = [p for p in prices if p["billing_scheme"] == "tiered"]
    assert any(p["billing_scheme"] == "per_unit" for p in prices)
    assert any(
        p["tiers_mode"] == "graduated" and any("flat_amount" in t for t in p["tiers"]) for p in tiered
    ), "graduated tiers with a flat amount"
    assert any(p["tiers_mode"] == "volume" for p in tiered)
    assert any(p.get("transform_quantity") == {"divide_by": 60, "round": "up"} for p in prices)
    assert any(Decimal(p["free_units"]) > 0 for p in prices)
    assert any(p["minimum_amount"] is not None for p in prices)
    assert any(p["package_id"] is None for p in prices)
    package_prices = [p for p in prices if p["package_id"] is not None]
    assert len({p["package_id"] for p in package_prices}) >= 3
    assert all(Decimal("0") < Decimal(p["revenue_share"]) < Decimal("1") for p in package_prices)
    assert all("revenue_share" not in p for p in prices if p["package_id"] is None)
    assert {p["metric"] for p in prices} == set(SEVEN_METRICS)


def test_amounts_are_decimal_strings_and_last_tier_is_unbounded(small: Generated) -> None:
    book = _book(small)
    for price in book["prices"]:
        amounts = [price.get("unit_amount"), price["free_units"], price["minimum_amount"]]
        for tier in price.get("tiers", []):
            amounts += [tier["unit_amount"], tier.get("flat_amount")]
        for amount in amounts:
            assert amount is None or (isinstance(amount, str) and Decimal(amount) >= 0), (price["id"], amount)
        if "tiers" in price:
            assert price["tiers"][-1]["up_to"] == "inf"
            bounds = [t["up_to"] for t in price["tiers"][:-1]]
            assert bounds == sorted(bounds)
    assert {p["id"]: p["amount"] for p in book["plans"]} == {
        "starter": "0",
        "team": "49",
        "business": "499",
        "enterprise": "1999",
    }


def test_package_prices_name_packages_of_the_operational_db(small: Generated) -> None:
    with make_engine(small.settings.database_url).connect() as conn:
        packages = set(conn.execute(text("select id from packages")).scalars())
    priced = {p["package_id"] for p in _book(small)["prices"] if p["package_id"]}
    assert priced <= packages
