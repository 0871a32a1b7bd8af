"""Property tests on money (hypothesis): the dbt rating engine through `atom billing preview`, and the
Python that turns draft lines into documents and payouts."""

from __future__ import annotations

import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.drafts import DraftLine
from billing.finalize import InvoicedLine, adjustment_lines, plan_documents
from billing.money import format_minor, to_minor

CENT = Decimal("0.01")
amounts = st.decimals(min_value=0, max_value=5, places=4, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=3000, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def tier_tables(draw) -> list[dict]:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=2500), min_size=1, max_size=4)))
    tiers = [
        {"up_to": b, "unit_amount": str(draw(amounts)), "flat_amount": str(draw(amounts))} for b in bounds
    ]
    tiers.append({"up_to": "inf", "unit_amount": str(draw(amounts)), "flat_amount": str(draw(amounts))})
    return tiers


def exact_graduated(q: Decimal, tiers: list[dict]) -> Decimal:
    """The unrounded DESIGN 3.2 rule 4, as the oracle the engine's rounded lines are held to."""
    total, lower = Decimal(0), Decimal(0)
    for tier in tiers:
        upper = Decimal("Infinity") if tier["up_to"] == "inf" else Decimal(tier["up_to"])
        if q > lower:
            total += Decimal(tier["flat_amount"]) + Decimal(tier["unit_amount"]) * (min(q, upper) - lower)
        lower = upper
    return total


def _rate(tiers: list[dict], single: dict, share: str, qs: list[Decimal]) -> dict[tuple[str, str], dict]:
    from ingest.preview import preview_invoices

    book = {
        "currency": "usd",
        "metrics": {m: {"aggregation": "sum"} for m in ("m_grad", "m_one_grad", "m_one_vol", "m_pkg")},
        "prices": [
            {
                "id": "p_grad",
                "metric": "m_grad",
                "billing_scheme": "tiered",
                "tiers_mode": "graduated",
                "tiers": tiers,
            },
            {
                "id": "p_one_grad",
                "metric": "m_one_grad",
                "billing_scheme": "tiered",
                "tiers_mode": "graduated",
                "tiers": [single],
            },
            {
                "id": "p_one_vol",
                "metric": "m_one_vol",
                "billing_scheme": "tiered",
                "tiers_mode": "volume",
                "tiers": [single],
            },
            {
                "id": "p_pkg",
                "metric": "m_pkg",
                "package_id": "pkg_prop",
                "billing_scheme": "tiered",
                "tiers_mode": "graduated",
                "tiers": tiers,
                "revenue_share": share,
            },
        ],
    }
    with tempfile.TemporaryDirectory() as scratch:
        book_path, usage_path = Path(scratch) / "book.yaml", Path(scratch) / "usage.ndjson"
        book_path.write_text(yaml.safe_dump(book))
        events = [
            {
                "id": f"e{n}-{metric}",
                "tenant_id": f"ten_{n:03d}",
                "metric": metric,
                "quantity": str(q),
                "timestamp": "2026-10-03T12:00:00Z",
                "package_id": "pkg_prop" if metric == "m_pkg" else None,
            }
            for n, q in enumerate(qs)
            for metric in ("m_grad", "m_one_grad", "m_one_vol", "m_pkg")
        ]
        usage_path.write_bytes(b"\n".join(orjson.dumps(e) for e in events))
        document = preview_invoices(book_path, [usage_path], "2026-10").document
    return {
        (inv["tenant_id"], line["price_id"]): line for inv in document["invoices"] for line in inv["lines"]
    }


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tiers=tier_tables(),
    single_unit=amounts,
    single_flat=amounts,
    share=st.decimals(min_value=0, max_value=1, places=2),
    qs=st.lists(quantities, min_size=5, max_size=30),
)
def test_rated_money_properties_hold_through_the_dbt_engine(
    tiers, single_unit, single_flat, share, qs
) -> None:
    single = {"up_to": "inf", "unit_amount": str(single_unit), "flat_amount": str(single_flat)}
    lines = _rate(tiers, single, str(share), qs)
    graduated = []
    for n, q in enumerate(qs):
        tenant = f"ten_{n:03d}"
        grad = Decimal(lines[(tenant, "p_grad")]["amount"])
        graduated.append((q, grad))
        # Rounding moves a line by at most half a minor unit.
        assert abs(grad - exact_graduated(q, tiers)) <= CENT / 2
        # A single-tier graduated price is the same volume price.
        assert lines[(tenant, "p_one_grad")]["amount"] == lines[(tenant, "p_one_vol")]["amount"]
        # Partner money: payout = amount x share rounded half-up, never more than the line.
        pkg = lines[(tenant, "p_pkg")]
        amount, payout = Decimal(pkg["amount"]), Decimal(pkg["partner_payout"])
        assert payout == (amount * share).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(0) <= payout <= amount
    # Graduated amounts never decrease as quantity grows.
    ordered = [amount for _, amount in sorted(graduated)]
    assert ordered == sorted(ordered)


money = st.integers(min_value=-10_000, max_value=10_000)


@st.composite
def billed_and_rated(draw):
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["ten_a", "ten_b"]),
                st.sampled_from(["2026-08", "2026-09"]),
                st.sampled_from(["usage/p1", "usage/p2", "recurring/team"]),
            ),
            unique=True,
            max_size=8,
        )
    )
    invoiced, rated = [], []
    for tenant, period, key in keys:
        if draw(st.booleans()):
            amount, payout = draw(money), draw(money)
            invoiced.append(
                InvoicedLine(
                    tenant, period, key, Decimal(draw(st.integers(0, 99))), amount, payout, amount - payout
                )
            )
        if draw(st.booleans()):
            amount = draw(st.integers(0, 10_000))
            payout = draw(st.integers(0, amount))
            kind, _, ref = key.partition("/")
            rated.append(
                DraftLine(
                    tenant,
                    period,
                    kind,
                    ref if kind == "usage" else None,
                    ref if kind == "recurring" else None,
                    None,
                    None,
                    None,
                    Decimal(draw(st.integers(0, 99))),
                    amount,
                    payout,
                    amount - payout,
                    "usd",
                    2,
                )
            )
    return invoiced, rated


@given(billed_and_rated())
def test_adjustments_bring_what_was_invoiced_to_what_the_month_rates_now(case) -> None:
    invoiced, rated = case
    adjustments = adjustment_lines(rated, invoiced)
    docs = plan_documents([], adjustments, {"ten_a": ("usd", 2), "ten_b": ("usd", 2)})
    totals: dict[tuple[str, str, str], list[int]] = {}
    for line in invoiced:
        totals.setdefault((line.tenant_id, line.period, line.line_key), [0, 0])
        totals[(line.tenant_id, line.period, line.line_key)][0] += line.amount_minor
        totals[(line.tenant_id, line.period, line.line_key)][1] += line.partner_payout_minor
    for doc in docs:
        assert all(line.kind == "adjustment" for line in doc.lines)
        # Positive corrections are invoiced, negative ones credited.
        assert all((line.amount_minor >= 0) == (doc.document_type == "invoice") for line in doc.lines)
        for line in doc.lines:
            assert line.partner_payout_minor + line.platform_fee_minor == line.amount_minor
            acc = totals.setdefault((doc.tenant_id, line.period, line.line_key), [0, 0])
            acc[0] += line.amount_minor
            acc[1] += line.partner_payout_minor
    expected = {(d.tenant_id, d.period, d.line_key): [d.amount_minor, d.partner_payout_minor] for d in rated}
    assert {k: v for k, v in totals.items() if v != [0, 0]} == {
        k: v for k, v in expected.items() if v != [0, 0]
    }


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from([0, 2, 3]))
def test_minor_units_round_trip_exactly(minor: int, places: int) -> None:
    assert to_minor(Decimal(format_minor(minor, places)), places) == minor
