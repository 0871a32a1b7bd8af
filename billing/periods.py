"""Billing periods: UTC calendar months written 'YYYY-MM'."""

from __future__ import annotations

import re
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    pass


def parse_period(period: str) -> date:
    """'2026-10' -> date(2026, 10, 1)."""
    match = _PERIOD.match(period or "")
    if not match:
        raise PeriodError(f"period {period!r} is not a month: write it as YYYY-MM, e.g. 2026-10")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month_start(period: str) -> date:
    start = parse_period(period)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(period: str) -> str:
    start = parse_period(period)
    return f"{start.year - 1:04d}-12" if start.month == 1 else f"{start.year:04d}-{start.month - 1:02d}"
