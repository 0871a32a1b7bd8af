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


# ISO 4217 minor units (digits after the decimal point). Everything not listed under 0, 3 or 4 uses 2.
_ZERO_DECIMAL = {
    "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "uyi", "vnd", "vuv",
    "xaf", "xof", "xpf",
}  # fmt: skip
_THREE_DECIMAL = {"bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"}
_FOUR_DECIMAL = {"clf", "uyw"}
_TWO_DECIMAL = {
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn",
    "bmd", "bnd", "bob", "brl", "bsd", "btn", "bwp", "byn", "bzd", "cad", "cdf", "chf", "cny", "cop",
    "crc", "cup", "cve", "czk", "dkk", "dop", "dzd", "egp", "ern", "etb", "eur", "fjd", "fkp", "gbp",
    "gel", "ghs", "gip", "gmd", "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "irr",
    "jmd", "kes", "kgs", "khr", "kpw", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl",
    "mga", "mkd", "mmk", "mnt", "mop", "mru", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn",
    "nio", "nok", "npr", "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "qar", "ron", "rsd", "rub",
    "sar", "sbd", "scr", "sdg", "sek", "sgd", "shp", "sle", "sos", "srd", "ssp", "stn", "svc", "syp",
    "szl", "thb", "tjs", "tmt", "top", "try", "ttd", "twd", "tzs", "uah", "usd", "uyu", "uzs", "ves",
    "wst", "xcd", "yer", "zar", "zmw", "zwl",
}  # fmt: skip
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL, 2),
    **dict.fromkeys(_ZERO_DECIMAL, 0),
    **dict.fromkeys(_THREE_DECIMAL, 3),
    **dict.fromkeys(_FOUR_DECIMAL, 4),
}


def minor_units(currency: str, default: int | None = None) -> int:
    """Digits after the decimal point of ``currency`` (ISO 4217): 2 for usd, 0 for jpy, 3 for kwd.

    An unknown code raises, unless a ``default`` is given (display code shows what it has)."""
    try:
        return MINOR_UNITS[currency.strip().lower()]
    except KeyError:
        if default is not None:
            return default
        raise ValueError(
            f"unknown currency {currency!r}; use an ISO 4217 code such as usd, eur or jpy"
        ) from None


def from_minor(amount: int, minor_units: int) -> Decimal:
    """An integer amount in minor units as a Decimal in major units: (1999, 2) -> Decimal('19.99')."""
    return Decimal(amount).scaleb(-minor_units)


def format_amount(amount: Decimal, minor_units: int) -> str:
    """An amount with exactly the currency's minor-unit places: ('12.3', 2) -> '12.30', ('1230', 0) -> '1230'."""
    return str(amount.quantize(Decimal(1).scaleb(-minor_units)))
