"""The demo price book (DESIGN 3.2): every pricing scheme the rating engine supports appears at least once,
so a demo build exercises all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from atom.storage import atomic_path
from ingest.synthetic.catalog import Catalog
from ingest.synthetic.tenants import PLAN_AMOUNTS

METRICS: dict[str, dict[str, str]] = {
    "workflow_runs": {"aggregation": "count"},
    "compute_seconds": {"aggregation": "sum"},
    "storage_gb": {"aggregation": "max"},
    "api_calls": {"aggregation": "count"},
    "data_egress_gb": {"aggregation": "sum"},
    "ai_tokens": {"aggregation": "sum"},
    "active_users": {"aggregation": "unique_count", "property": "user_id"},
}


def _price(price_id: str, metric: str, package_id: str | None = None, **fields: Any) -> dict[str, Any]:
    price: dict[str, Any] = {"id": price_id, "metric": metric, "package_id": package_id}
    price.update(fields)
    price.setdefault("free_units", "0")
    price.setdefault("minimum_amount", None)
    if package_id is not None:
        price.setdefault("revenue_share", "0.70")
    return price


def featured_packages(catalog: Catalog) -> dict[str, str]:
    """The packages with prices of their own: the most popular ones, plus the most popular AI package."""
    ids = catalog.package_ids
    ai = catalog.ai_package_indexes()
    ai_id = ids[int(ai[0])] if len(ai) else ids[3]
    others = [p for p in ids if p != ai_id]
    return {"runs_per_unit": others[0], "runs_volume": others[1], "compute": others[2], "ai": ai_id}


def build_price_book(catalog: Catalog) -> dict[str, Any]:
    pkg = featured_packages(catalog)
    prices = [
        # Generic runs: graduated tiers with flat amounts, the first thousand runs free of charge.
        _price(
            "price_runs",
            "workflow_runs",
            billing_scheme="tiered",
            tiers_mode="graduated",
            tiers=[
                {"up_to": 1000, "unit_amount": "0"},
                {"up_to": 100000, "unit_amount": "0.002", "flat_amount": "5"},
                {"up_to": "inf", "unit_amount": "0.001", "flat_amount": "20"},
            ],
        ),
        # A premium package billed per run, partner keeps 70%.
        _price(
            "price_runs_" + pkg["runs_per_unit"][4:],
            "workflow_runs",
            pkg["runs_per_unit"],
            billing_scheme="per_unit",
            unit_amount="0.004",
            revenue_share="0.70",
        ),
        # A package with volume pricing: the whole month's runs at the rate of the tier they reach.
        _price(
            "price_runs_" + pkg["runs_volume"][4:],
            "workflow_runs",
            pkg["runs_volume"],
            billing_scheme="tiered",
            tiers_mode="volume",
            tiers=[
                {"up_to": 500, "unit_amount": "0.01"},
                {"up_to": 5000, "unit_amount": "0.008"},
                {"up_to": "inf", "unit_amount": "0.005", "flat_amount": "10"},
            ],
            revenue_share="0.75",
        ),
        # Compute is metered in seconds and billed per started minute, an hour a month free.
        _price(
            "price_compute",
            "compute_seconds",
            billing_scheme="per_unit",
            unit_amount="0.0004",
            transform_quantity={"divide_by": 60, "round": "up"},
            free_units="3600",
        ),
        _price(
            "price_compute_" + pkg["compute"][4:],
            "compute_seconds",
            pkg["compute"],
            billing_scheme="per_unit",
            unit_amount="0.0006",
            transform_quantity={"divide_by": 60, "round": "up"},
            revenue_share="0.80",
        ),
        # Storage: the month's peak, 5 GB included.
        _price("price_storage", "storage_gb", billing_scheme="per_unit", unit_amount="0.10", free_units="5"),
        # API calls: volume tiers, free below 100k a month.
        _price(
            "price_api_calls",
            "api_calls",
            billing_scheme="tiered",
            tiers_mode="volume",
            tiers=[
                {"up_to": 100000, "unit_amount": "0"},
                {"up_to": 1000000, "unit_amount": "0.00002"},
                {"up_to": "inf", "unit_amount": "0.00001", "flat_amount": "10"},
            ],
        ),
        _price(
            "price_egress", "data_egress_gb", billing_scheme="per_unit", unit_amount="0.09", free_units="10"
        ),
        # Tokens: billed per thousand, rounded up.
        _price(
            "price_ai_tokens",
            "ai_tokens",
            billing_scheme="per_unit",
            unit_amount="0.002",
            transform_quantity={"divide_by": 1000, "round": "up"},
        ),
        _price(
            "price_ai_tokens_" + pkg["ai"][4:],
            "ai_tokens",
            pkg["ai"],
            billing_scheme="per_unit",
            unit_amount="0.003",
            transform_quantity={"divide_by": 1000, "round": "up"},
            revenue_share="0.60",
        ),
        # Seats: a platform minimum of 25 dollars for every tenant active in the month.
        _price(
            "price_active_users",
            "active_users",
            billing_scheme="per_unit",
            unit_amount="4",
            minimum_amount="25",
        ),
    ]
    return {
        "currency": "usd",
        "metrics": METRICS,
        "prices": prices,
        "plans": [{"id": plan, "amount": amount} for plan, amount in PLAN_AMOUNTS.items()],
    }


HEADER = "# ATOM demo price book (DESIGN 3.2), written by `atom generate`; amounts in dollars.\n"


def write_price_book(path: Path, book: dict[str, Any]) -> Path:
    text = HEADER + yaml.safe_dump(book, sort_keys=False, default_flow_style=None, width=120)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
