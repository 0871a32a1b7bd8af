"""Billing periods: UTC calendar months written 'YYYY-MM' (DESIGN 3.2), and the rule for closing them.

The one place that knows what a period looks like and when a month may be closed; the portal, the CLI,
Dagster's billing partition and finalization all ask here. "Today" is the platform's (atom/clock.py).
"""

from __future__ import annotations

import re
from datetime import date

from atom import clock

# What an API query parameter of a period must match (years 1900-2099, as the other routes take them).
PERIOD_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    pass


def parse_period(period: str) -> date:
    """'2026-10' -> date(2026, 10, 1)."""
    match = _PERIOD.match(period or "")
    if not match or match.group(1) == "0000":  # there is no year 0 in the calendar dates use
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


def current_period(today: date | None = None) -> str:
    """The month in progress: today's period (``ATOM_TODAY`` pins today)."""
    return period_of(today or clock.today())


def month_has_ended(period: str, today: date | None = None) -> bool:
    """Only a month that has ended can be finalized: its usage may still grow while it runs."""
    return parse_period(period) < parse_period(current_period(today))


def not_ended_message(period: str, today: date | None = None) -> str:
    return (
        f"{period} has not ended yet (today is {today or clock.today()}): only past months can be finalized"
    )
