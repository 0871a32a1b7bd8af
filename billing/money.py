"""Exact conversions between the marts' decimal amounts and integer minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


class AmountNotRoundedError(ValueError):
    pass


def to_minor(amount: Decimal, minor_units: int) -> int:
    """``Decimal('12.34')``, 2 -> 1234. The marts round every line already (DESIGN 3.2 rule 7), so an amount
    with more places is a broken contract, not something to round silently here."""
    scaled = amount.scaleb(minor_units)
    if scaled != scaled.to_integral_value():
        raise AmountNotRoundedError(
            f"amount {amount} has more than {minor_units} decimal places: the draft lines in "
            "marts.fct_invoice_lines must be rounded to the currency's minor unit"
        )
    return int(scaled)


def round_half_up(amount: Decimal, minor_units: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_UP)


def format_minor(minor: int, minor_units: int) -> str:
    """1234, 2 -> '12.34'; -5, 2 -> '-0.05'; 1200, 0 -> '1200' (the decimal strings of DESIGN 3.7)."""
    value = Decimal(minor).scaleb(-minor_units)
    return f"{value:.{minor_units}f}"


def format_quantity(quantity: Decimal) -> str:
    """Quantities without trailing zeros or exponent: 1000.000000000 -> '1000', 2.50 -> '2.5'."""
    text = format(quantity.normalize(), "f")
    return "0" if text in ("-0", "") else text
