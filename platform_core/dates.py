"""Calendar arithmetic that `date.replace(year=…)` gets wrong on 29 February."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def month_start(day: date) -> date:
    """The first day of `day`'s month."""
    return date(day.year, day.month, 1)


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s month."""
    return month_start(month_start(day) - timedelta(days=1))
