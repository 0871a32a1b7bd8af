"""How numbers look on screen. Money stays Decimal here; only charts convert to float."""

from __future__ import annotations

from decimal import Decimal

from billing.money import minor_units as iso_minor_units
from billing.money import round_half_up

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}


def minor_units(currency: str) -> int:
    """ISO 4217 minor units (billing/money.py); a code the table does not know shows two places."""
    return iso_minor_units(currency, default=2)


def quantize_money(amount: Decimal | None, currency: str) -> Decimal:
    """The amount with the currency's places; the marts already hold rounded amounts, so this only fixes the
    number of places shown."""
    return round_half_up(amount if amount is not None else Decimal(0), minor_units(currency))


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


# --- Text from outside (archive file names, scanner messages, identity claims) in markdown ---------------
# Streamlit renders st.markdown, captions, headers and widget labels as GitHub-flavoured markdown, so a
# file named ``[click](http://evil)`` inside a .wpk would become a link. Names are shown as code spans
# instead; other foreign text has every markdown character escaped.

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


def code_span(text: object) -> str:
    """``text`` as an inline code span that nothing in it can close: the fence is one backtick longer than
    its longest run of backticks (CommonMark 6.1), and control characters (a newline would end the span's
    paragraph) are shown escaped."""
    value = str(text).translate(_CONTROL)
    longest, run = 0, 0
    for char in value:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {value} {fence}"


_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()<>#+-.!|~:$=\"'&%@/^?,;")


def literal(text: object) -> str:
    """``text`` with every ASCII punctuation character backslash-escaped (CommonMark 2.4), so markdown
    shows it as typed: no links, emphasis, HTML, Streamlit colour directives or LaTeX."""
    value = str(text).translate(_CONTROL)
    return "".join(f"\\{char}" if char in _MARKDOWN_PUNCTUATION else char for char in value)
