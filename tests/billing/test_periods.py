"""When a month may be closed: one rule (billing/periods.py) for the CLI, the portal, Dagster and finalize."""

from __future__ import annotations

from datetime import date

import pytest

from billing.periods import PeriodError, current_period, month_has_ended, not_ended_message, previous_period


def test_a_month_has_ended_from_the_first_day_of_the_next_month_on() -> None:
    assert not month_has_ended("2026-11", today=date(2026, 11, 30))
    assert month_has_ended("2026-11", today=date(2026, 12, 1))
    assert month_has_ended("2025-12", today=date(2026, 1, 1))
    assert not month_has_ended("2027-01", today=date(2026, 12, 31))


def test_the_platform_clock_decides_when_no_day_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from atom.settings import reset_settings_cache

    monkeypatch.setenv("ATOM_TODAY", "2026-03-01")
    reset_settings_cache()
    try:
        assert current_period() == "2026-03"
        assert month_has_ended("2026-02") and not month_has_ended("2026-03")
        assert "2026-03 has not ended yet (today is 2026-03-01)" in not_ended_message("2026-03")
    finally:
        monkeypatch.delenv("ATOM_TODAY")
        reset_settings_cache()


def test_periods_are_validated_and_step_back_across_a_year() -> None:
    assert previous_period("2026-01") == "2025-12"
    for not_a_month in ("2026-13", "0000-01", "2026-1", ""):
        with pytest.raises(PeriodError, match="write it as YYYY-MM"):
            month_has_ended(not_a_month, today=date(2026, 1, 1))
