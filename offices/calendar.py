"""When an office is open - pure Python, no Django, no database.

Weekly opening windows in the office's local wall-clock time, closures (inclusive date ranges)
and holidays (resolved by the caller) make an `OfficeCalendar`; `current_window`, `is_open_at`,
`next_opening` and `window_contains` answer "open now?", "opens again when?" and "does this
interval fit one window?". The DST rules (a window boundary in a spring-forward gap is the
instant of the jump; ambiguous times resolve to their first occurrence) are those of
scheduling.appointments.slot_engine, which builds its appointment slots on top of this module and
re-exports its names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeAlias
from zoneinfo import ZoneInfo

DEFAULT_HORIZON_DAYS = 60


Interval: TypeAlias = tuple[datetime, datetime]


WindowSpec: TypeAlias = "OpeningWindow | tuple[int, time, time]"


ClosureSpec: TypeAlias = "Closure | tuple[date, date]"


@dataclass(frozen=True)
class OpeningWindow:
    """One weekly opening window in local wall-clock time, ``start < end``."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Mon)..6 (Sun), got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening window times are local wall-clock times; pass naive times")
        if self.start >= self.end:
            # Overnight windows would need two local dates per window; nobody needs them.
            raise ValueError(f"window start {self.start} must be before end {self.end}")


@dataclass(frozen=True)
class Closure:
    """Closed from ``start_date`` to ``end_date``, both inclusive (local dates)."""

    start_date: date
    end_date: date

    def __post_init__(self) -> None:
        if self.start_date > self.end_date:
            raise ValueError(f"closure {self.start_date}..{self.end_date} ends before it starts")

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class OfficeCalendar:
    """When the office is open: time zone, weekly windows, closures, holidays.

    Use :meth:`build` to pass plain tuples/lists/sets.
    """

    tz_name: str
    windows: tuple[OpeningWindow, ...]
    closures: tuple[Closure, ...] = ()
    holidays: frozenset[date] = frozenset()
    tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _by_weekday: tuple[tuple[OpeningWindow, ...], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Normalise containers so the instance is really immutable and hashable.
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "closures", tuple(self.closures))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "tz", ZoneInfo(self.tz_name))  # raises for unknown zones
        by_day = tuple(
            tuple(sorted((w for w in self.windows if w.weekday == d), key=_window_sort_key))
            for d in range(7)
        )
        object.__setattr__(self, "_by_weekday", by_day)

    @classmethod
    def build(
        cls,
        tz_name: str,
        windows: Iterable[WindowSpec],
        closures: Iterable[ClosureSpec] = (),
        holidays: Iterable[date] = (),
    ) -> OfficeCalendar:
        """Create a calendar from plain ``(weekday, start, end)`` / ``(from, to)`` tuples."""
        return cls(
            tz_name=tz_name,
            windows=tuple(
                w if isinstance(w, OpeningWindow) else OpeningWindow(*w) for w in windows
            ),
            closures=tuple(c if isinstance(c, Closure) else Closure(*c) for c in closures),
            holidays=frozenset(holidays),
        )

    def is_closed_on(self, day: date) -> bool:
        """True on holidays and inside closure ranges (regardless of weekly hours)."""
        return day in self.holidays or any(c.covers(day) for c in self.closures)

    def windows_on(self, day: date) -> tuple[OpeningWindow, ...]:
        """The weekly windows that apply to ``day`` - empty on closed days."""
        if self.is_closed_on(day):
            return ()
        return self._by_weekday[day.weekday()]


def window_contains(start: datetime, end: datetime, calendar: OfficeCalendar) -> bool:
    """True if ``[start, end)`` lies inside a single opening window on an open day."""
    require_aware(start, "start")
    require_aware(end, "end")
    start_utc, end_utc = to_utc(start), to_utc(end)
    if end_utc <= start_utc:
        return False
    day = start.astimezone(calendar.tz).date()
    return any(
        window_start <= start_utc and end_utc <= window_end
        for window_start, window_end in window_instants(day, calendar)
    )


# Opening state (for the waiting room: "open now?", "opens again at ..."). Windows of a day
# that overlap or touch (08:00-12:00 and 12:00-16:00) are merged into one opening period: for a
# citizen the office is simply open 08-16.


def is_open_at(moment: datetime, calendar: OfficeCalendar) -> bool:
    """True if ``moment`` lies in an opening period ``[start, end)`` on an open day."""
    return current_window(moment, calendar) is not None


def current_window(moment: datetime, calendar: OfficeCalendar) -> tuple[datetime, datetime] | None:
    """``(start, end)`` in local time of the opening period containing ``moment``, or None.

    Periods are half-open: at the exact closing time the office is closed.
    """
    require_aware(moment, "moment")
    moment_utc = to_utc(moment)
    day = moment.astimezone(calendar.tz).date()
    for start, end in open_periods(day, calendar):
        if start <= moment_utc < end:
            return start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    return None


def next_opening(
    after: datetime,
    calendar: OfficeCalendar,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> datetime | None:
    """Start (local time) of the first opening period that begins strictly after ``after``.

    * currently closed: when the office opens next;
    * currently open: when it opens again after the current period has ended
      (periods are merged, so a following period always starts after a real gap).

    Searches ``horizon_days`` local days after ``after``'s date; None if nothing opens
    within them (e.g. no windows configured, or a long closure).
    """
    require_aware(after, "after")
    after_utc = to_utc(after)
    first_day = after.astimezone(calendar.tz).date()
    for day in days_between(first_day, first_day + timedelta(days=horizon_days)):
        for start, _end in open_periods(day, calendar):
            if start > after_utc:
                return start.astimezone(calendar.tz)
    return None


def window_bounds(day: date, window: OpeningWindow, tz: tzinfo) -> Interval | None:
    """A window's real start/end on ``day`` in UTC; None if DST leaves nothing of it."""
    start = resolve_boundary(datetime.combine(day, window.start), tz)
    end = resolve_boundary(datetime.combine(day, window.end), tz)
    return (start, end) if start < end else None


def window_instants(day: date, calendar: OfficeCalendar) -> list[Interval]:
    windows = (window_bounds(day, w, calendar.tz) for w in calendar.windows_on(day))
    return sorted(b for b in windows if b is not None)


def open_periods(day: date, calendar: OfficeCalendar) -> tuple[Interval, ...]:
    """The day's windows in UTC with overlapping/touching ones merged."""
    return merge_intervals(window_instants(day, calendar))


def resolve_local(wall: datetime, tz: tzinfo) -> datetime | None:
    """Naive local wall-clock time -> UTC instant; None if it does not exist.

    Ambiguous times resolve to ``fold=0`` (the first occurrence). A nonexistent time
    does not survive the round trip through UTC, which is how it is detected.
    """
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def resolve_boundary(wall: datetime, tz: tzinfo) -> datetime:
    """Like :func:`resolve_local`, but a time inside a gap maps to the instant of the jump."""
    instant = resolve_local(wall, tz)
    return instant if instant is not None else gap_transition(wall, tz)


def gap_transition(wall: datetime, tz: tzinfo) -> datetime:
    """The UTC instant at which the clock jumps over the nonexistent ``wall`` time.

    zoneinfo exposes no transition list, but per PEP 495 the two folds of a gap time
    land on either side of the jump, so a binary search on seconds between them
    finds it (a handful of steps - gaps are at most a few hours).
    """
    before = int(wall.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    after = int(wall.replace(tzinfo=tz, fold=0).astimezone(UTC).timestamp())
    if before > after:  # defensive: a zone whose gap folds are reversed
        before, after = after, before
    offset_before = datetime.fromtimestamp(before, tz).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_before:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, UTC)


def merge_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, disjoint, non-touching UTC intervals; empty ones dropped."""
    normalised = []
    for start, end in intervals:
        require_aware(start, "busy interval start")
        require_aware(end, "busy interval end")
        start, end = to_utc(start), to_utc(end)
        if start < end:
            normalised.append((start, end))
    normalised.sort()
    merged: list[Interval] = []
    for start, end in normalised:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")


def _window_sort_key(window: OpeningWindow) -> tuple[time, time]:
    return (window.start, window.end)
