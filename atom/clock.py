"""The one clock: what every part of the platform calls "today" and "now".

The generator, the landing zone, the build (Python and dbt alike), billing and the portal all ask this
module, so a home can be pinned to a day with ``ATOM_TODAY=YYYY-MM-DD``: the demo generated "as of" a day,
then built and rated as of that same day, gives the same months whatever the wall clock says. Unset, it is
the real UTC date. With a pinned day, :func:`now` keeps the wall clock's time of day on that date, so
timestamps still move forward within a run.

dbt reads the same variable through the ``atom_today()`` macro (``dbt_project/macros/clock.sql``); the
settings hand it to every child process.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from atom.settings import Settings, get_settings


def today(settings: Settings | None = None) -> date:
    """The UTC calendar day the platform acts on: ``ATOM_TODAY`` when set, else the real one."""
    pinned = (settings or get_settings()).atom_today
    return pinned if pinned is not None else datetime.now(UTC).date()


def now(settings: Settings | None = None) -> datetime:
    """The current UTC instant (timezone-aware), on the pinned day when ``ATOM_TODAY`` is set."""
    moment = datetime.now(UTC)
    pinned = (settings or get_settings()).atom_today
    if pinned is None:
        return moment
    return datetime.combine(pinned, moment.timetz())


def naive_now(settings: Settings | None = None) -> datetime:
    """:func:`now` without its timezone, as the operational DB stores UTC timestamps."""
    return now(settings).replace(tzinfo=None)
