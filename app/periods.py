"""Calendar helpers: the portal's 'this month' is the UTC calendar month of today (DESIGN 3.2)."""

from __future__ import annotations

from datetime import date, timedelta

from atom import clock


def utc_today() -> date:
    """The platform's today (``ATOM_TODAY`` pins it; atom/clock.py)."""
    return clock.today()


def period_of(day: date) -> str:
    """The ``'YYYY-MM'`` period a day belongs to, as in the marts' ``period`` column."""
    return f"{day:%Y-%m}"


def previous_period(day: date) -> str:
    return period_of(day.replace(day=1) - timedelta(days=1))
