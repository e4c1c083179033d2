"""Public holidays of the municipality's state (the `holidays` library) plus local ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays as holidays_lib


@lru_cache(maxsize=64)
def state_holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays("DE", subdiv=state, years=year).keys())


def holiday_dates(state: str, years: Iterable[int], local: Iterable[date] = ()) -> frozenset[date]:
    out: set[date] = set(local)
    for year in years:
        out |= state_holidays(state, year)
    return frozenset(out)


def holiday_name(state: str, day: date) -> str | None:
    return holidays_lib.country_holidays("DE", subdiv=state, years=day.year, language="de").get(day)
