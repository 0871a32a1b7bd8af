"""How numbers look on screen. Money stays Decimal here; only charts convert to float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Minor units as in DESIGN 3.2 (2 for usd and eur, 0 for jpy); the marts already hold rounded amounts,
# so quantizing only fixes the number of places shown.
_ZERO_DECIMAL_CURRENCIES = frozenset({"jpy", "krw"})
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}


def minor_units(currency: str) -> int:
    return 0 if currency.lower() in _ZERO_DECIMAL_CURRENCIES else 2


def quantize_money(amount: Decimal | None, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return (amount if amount is not None else Decimal(0)).quantize(exponent, rounding=ROUND_HALF_UP)


def money(amount: Decimal | None, currency: str) -> str:
    """``$1,234.50``; currencies without a symbol here are prefixed with their code."""
    value = quantize_money(amount, currency)
    symbol = _SYMBOLS.get(currency.lower(), f"{currency.upper()} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,}"


def money_delta(amount: Decimal | None, currency: str) -> str:
    """Signed, because st.metric colours a delta by its leading sign."""
    text = money(amount, currency)
    return text if text.startswith("-") else f"+{text}"


def count(value: int | None) -> str:
    return f"{value or 0:,}"


def count_delta(value: int | None) -> str:
    return f"{value or 0:+,}"


def age(seconds: float) -> str:
    """``42 s``, ``5 min``, ``3 h``, ``2 d``: how old a snapshot is, at a glance."""
    if seconds < 60:
        return f"{max(int(seconds), 0)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
