"""Calendar helpers: the portal's 'this month' is the UTC calendar month of today (DESIGN 3.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utc_today() -> date:
    return datetime.now(UTC).date()


def period_of(day: date) -> str:
    """The ``'YYYY-MM'`` period a day belongs to, as in the marts' ``period`` column."""
    return f"{day:%Y-%m}"


def previous_period(day: date) -> str:
    return period_of(day.replace(day=1) - timedelta(days=1))
