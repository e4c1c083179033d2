"""Free appointment slots for one office - pure Python, no Django, no database.

The Django layer loads opening hours, closures, holidays, officials and their busy
time, hands them over as the frozen dataclasses below and gets plain values back.

Model and conventions
---------------------
* **Opening hours** are weekly windows ``(weekday 0=Mon..6=Sun, start, end)`` in the
  office's local wall-clock time. A weekday may have several windows. A window must
  not cross midnight (``start < end``); split such hours into two windows.
* **Closed days**: a local date inside any closure range (inclusive) or in the set
  of holidays (already resolved by the caller, e.g. with the ``holidays`` package
  for the municipality's state) has no windows at all.
* **Grid**: candidate starts are ``window.start + k * step`` in *wall-clock* time,
  so the grid is stable (08:00, 08:15, ... every day, before and after DST changes)
  and independent of the service duration. A slot must end within the window it
  was generated from; the buffer may run past closing time (it is clean-up time).
  Overlapping windows yield each start once.
* **Duration is elapsed time**: ``end = start + duration`` computed in UTC and then
  shown in local time, so a 30-minute slot is 30 real minutes even across a DST jump.
* **DST** (zoneinfo rules of the office's time zone):

  - a wall-clock grid time that does not exist (spring forward, e.g. 02:30 on the
    last Sunday of March in Europe/Berlin) is skipped;
  - an ambiguous wall-clock time (fall back, 02:00-02:59 on the last Sunday of
    October) is resolved with ``fold=0``, i.e. the *first* occurrence (summer
    time). The repeated hour's second pass is therefore never a grid start, but
    slots may end in it;
  - a window *boundary* that falls into a spring-forward gap means the instant of
    the jump (the clock never shows it, so the window ends/starts when it is skipped).
* **Busy time** of an official is a list of half-open intervals ``[start, end)`` of
  aware datetimes (appointments, blocked time). A slot is free for an official if no
  busy interval overlaps ``[slot.start, slot.end + buffer)``. The buffer only
  protects the *new* slot; existing appointments must be passed with their own
  buffer already added (see :func:`busy_interval`).
* **One slot per (start, mode)**, listing every free official serving that mode.
* **Booking window**: starts before ``now + lead`` or after ``now + horizon_days``
  are dropped. The horizon is counted in local calendar days (same wall-clock time
  N days later), so it does not shift by an hour across DST.

All comparisons and arithmetic happen on UTC datetimes: Python compares two aware
datetimes that share a tzinfo by wall-clock time and ignores ``fold``, which would
order the repeated hour wrongly on the fall-back day.

Efficiency: busy intervals are merged and sorted once per :class:`Official` and
queried with :mod:`bisect`, so a freedom check is O(log n) and a query costs
O(grid points x officials x log intervals).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeAlias
from zoneinfo import ZoneInfo

# The opening calendar lives with the offices' configuration; the slot engine builds on it
# and re-exports its names, so `slot_engine.OfficeCalendar` & co. keep working.
from offices.calendar import (
    DEFAULT_HORIZON_DAYS,
    Closure,
    ClosureSpec,
    Interval,
    OfficeCalendar,
    OpeningWindow,
    WindowSpec,
    current_window,
    days_between,
    is_open_at,
    merge_intervals,
    next_opening,
    require_aware,
    resolve_boundary,
    resolve_local,
    to_utc,
    window_bounds,
    window_contains,
)

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_STEP_MINUTES",
    "MODES",
    "MODE_IN_PERSON",
    "MODE_VIDEO",
    "Closure",
    "ClosureSpec",
    "Interval",
    "OfficeCalendar",
    "Official",
    "OfficialId",
    "OpeningWindow",
    "Slot",
    "SlotQuery",
    "SlotRules",
    "WindowSpec",
    "busy_interval",
    "current_window",
    "find_slot",
    "free_slots",
    "is_on_grid",
    "is_open_at",
    "next_opening",
    "pick_official",
    "window_contains",
]

MODE_VIDEO = "video"
MODE_IN_PERSON = "in_person"
MODES: frozenset[str] = frozenset({MODE_VIDEO, MODE_IN_PERSON})

DEFAULT_STEP_MINUTES = 15

OfficialId: TypeAlias = int | str


# ---------------------------------------------------------------------------
# Input / output dataclasses
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Official:
    """An official, the modes they serve and their busy time.

    ``busy`` is normalised on construction to merged, sorted UTC intervals; empty
    (zero-length) intervals are dropped because they block nothing.
    """

    id: OfficialId
    modes: frozenset[str]
    busy: tuple[Interval, ...] = ()
    # The busy index: merged interval bounds as integer microseconds since the epoch,
    # because bisecting and comparing ints is several times cheaper than datetimes.
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        modes = frozenset(self.modes)
        unknown = modes - MODES
        if unknown:
            raise ValueError(f"unknown mode(s) {sorted(unknown)} for official {self.id!r}")
        merged = merge_intervals(self.busy)
        object.__setattr__(self, "modes", modes)
        object.__setattr__(self, "busy", merged)
        object.__setattr__(self, "_starts", tuple(_micros(s) for s, _ in merged))
        object.__setattr__(self, "_ends", tuple(_micros(e) for _, e in merged))

    def serves(self, mode: str) -> bool:
        return mode in self.modes

    def is_free(self, start: datetime, end: datetime) -> bool:
        """No busy interval overlaps ``[start, end)``. O(log n).

        Merged intervals have sorted starts *and* ends, so the only candidate for an
        overlap is the first interval that ends after ``start``.
        """
        return self._is_free_micros(_micros(start), _micros(end))

    def _is_free_micros(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._ends, start)
        return i == len(self._ends) or self._starts[i] >= end

    def busy_minutes_between(self, start: datetime, end: datetime) -> float:
        """Busy minutes inside ``[start, end)`` - the official's load for that span."""
        start_us, end_us = _micros(start), _micros(end)
        total = 0
        i = bisect.bisect_right(self._ends, start_us)
        while i < len(self._starts) and self._starts[i] < end_us:
            total += min(self._ends[i], end_us) - max(self._starts[i], start_us)
            i += 1
        return total / _MICROS_PER_MINUTE


@dataclass(frozen=True)
class SlotRules:
    """Per-service booking rules."""

    duration_minutes: int
    buffer_minutes: int = 0
    step_minutes: int = DEFAULT_STEP_MINUTES
    lead_minutes: int = 0
    horizon_days: int = DEFAULT_HORIZON_DAYS

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.step_minutes <= 0:
            raise ValueError("step_minutes must be positive")
        for name in ("buffer_minutes", "lead_minutes", "horizon_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)


@dataclass(frozen=True)
class SlotQuery:
    """Which slots to list: local dates ``date_from..date_to`` (inclusive), as of ``now``."""

    date_from: date
    date_to: date
    now: datetime
    mode: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.now, "now")
        if self.mode is not None and self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")


@dataclass(frozen=True)
class Slot:
    """A bookable start for one mode. ``start``/``end`` are in the office's time zone."""

    start: datetime
    end: datetime
    mode: str
    official_ids: tuple[OfficialId, ...]


# ---------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------


def free_slots(
    calendar: OfficeCalendar,
    officials: Sequence[Official],
    rules: SlotRules,
    query: SlotQuery,
) -> list[Slot]:
    """All free slots matching ``query``, sorted by start (real time), then mode."""
    modes = _requested_modes(query.mode, officials)
    # Sorted once so every slot lists its officials in id order without re-sorting.
    serving = sorted((o for o in officials if o.modes & modes), key=lambda o: _id_sort_key(o.id))
    if not serving or query.date_from > query.date_to:
        return []
    tz = calendar.tz
    earliest = to_utc(query.now) + timedelta(minutes=rules.lead_minutes)
    latest = _horizon_limit(query.now, tz, rules.horizon_days)
    # Clip the day loop to the booking window so far-off queries stay cheap.
    first_day = max(query.date_from, earliest.astimezone(tz).date())
    last_day = min(query.date_to, latest.astimezone(tz).date())

    slots: list[Slot] = []
    for day in days_between(first_day, last_day):
        for start, end in _grid_candidates(day, calendar, rules):
            if earliest <= start <= latest:
                slots.extend(_slots_at(start, end, modes, serving, rules.buffer, tz))
    return slots


def find_slot(
    start: datetime,
    mode: str,
    calendar: OfficeCalendar,
    officials: Sequence[Official],
    rules: SlotRules,
    now: datetime,
) -> Slot | None:
    """The slot starting exactly at ``start`` for ``mode``, or None if it is not offered.

    This is the booking-time validation: it reruns the engine for that one local day,
    so off-grid starts, closed days, lead/horizon violations and busy officials are
    rejected by exactly the rules that produced the offer.
    """
    require_aware(start, "start")
    day = start.astimezone(calendar.tz).date()
    query = SlotQuery(date_from=day, date_to=day, now=now, mode=mode)
    wanted = to_utc(start)
    for slot in free_slots(calendar, officials, rules, query):
        if to_utc(slot.start) == wanted:
            return slot
    return None


def pick_official(
    slot_start: datetime,
    slot_end: datetime,
    mode: str,
    officials: Sequence[Official],
    buffer_minutes: int = 0,
    *,
    tz: tzinfo | None = None,
) -> OfficialId | None:
    """The official to assign to a booking, or None if nobody serving ``mode`` is free.

    Policy: among officials who serve ``mode`` and are free for
    ``[slot_start, slot_end + buffer)``, take the least loaded one, where load is the
    official's busy minutes on the slot's local day - the day in ``tz`` (the office's
    zone; pass ``calendar.tz``), or in ``slot_start``'s own zone if ``tz`` is omitted,
    which is right for a :class:`Slot` start but not for a UTC value from the
    database. Blocked time counts as load too, which steers bookings away from
    officials with less time that day. Ties go to the smallest id, so the choice is
    deterministic.
    """
    require_aware(slot_start, "slot_start")
    require_aware(slot_end, "slot_end")
    check_end = slot_end + timedelta(minutes=buffer_minutes)
    candidates = [o for o in officials if o.serves(mode) and o.is_free(slot_start, check_end)]
    if not candidates:
        return None
    day_start, day_end = _local_day_bounds(slot_start if tz is None else slot_start.astimezone(tz))
    best = min(
        candidates,
        key=lambda o: (o.busy_minutes_between(day_start, day_end), _id_sort_key(o.id)),
    )
    return best.id


def is_on_grid(
    start: datetime, calendar: OfficeCalendar, step_minutes: int = DEFAULT_STEP_MINUTES
) -> bool:
    """True if ``start`` is a grid point of one of that weekday's windows.

    Only the grid is checked (wall-clock ``window.start + k * step`` before
    ``window.end``, whole minutes, the ``fold=0`` instant for ambiguous times) - not
    closures, duration, lead time or availability; use :func:`find_slot` for the
    full booking check. ``start`` may be given in any time zone.
    """
    require_aware(start, "start")
    tz = calendar.tz
    local = start.astimezone(tz)
    wall = local.replace(tzinfo=None, fold=0)
    # The second pass of a repeated hour is not on the grid (grid uses fold=0).
    if resolve_local(wall, tz) != to_utc(start):
        return False
    step = timedelta(minutes=step_minutes)
    for window in calendar._by_weekday[wall.weekday()]:
        window_start = datetime.combine(wall.date(), window.start)
        window_end = datetime.combine(wall.date(), window.end)
        if window_start <= wall < window_end and (wall - window_start) % step == timedelta(0):
            return True
    return False


def busy_interval(start: datetime, end: datetime, buffer_minutes: int = 0) -> Interval:
    """An existing appointment as a busy interval, including its own buffer."""
    require_aware(start, "start")
    require_aware(end, "end")
    return (start, end + timedelta(minutes=buffer_minutes))


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------


def _grid_candidates(
    day: date, calendar: OfficeCalendar, rules: SlotRules
) -> list[tuple[datetime, datetime]]:
    """``(start, end)`` in UTC for every grid start on ``day`` whose slot fits its window."""
    found: dict[datetime, datetime] = {}  # keyed by start: overlapping windows share starts
    duration, step = rules.duration, rules.step
    for window in calendar.windows_on(day):
        bounds = window_bounds(day, window, calendar.tz)
        if bounds is None:
            continue
        wall_start = datetime.combine(day, window.start)
        wall_end = datetime.combine(day, window.end)
        if bounds[1] - bounds[0] == wall_end - wall_start:
            starts = _steady_grid(bounds, duration, step)
        else:  # the window contains a DST change: resolve every wall-clock grid time
            starts = _dst_grid(wall_start, wall_end, bounds[1], duration, step, calendar.tz)
        for start in starts:
            found[start] = start + duration
    return sorted(found.items())


def _steady_grid(bounds: Interval, duration: timedelta, step: timedelta) -> Iterator[datetime]:
    """Grid starts of a window without a DST change: plain UTC arithmetic.

    A window whose real length equals its wall-clock length has a constant UTC
    offset (zones never change twice within hours), so wall-clock steps are UTC
    steps - this skips a zoneinfo round trip per grid point.
    """
    start, window_end = bounds
    while start + duration <= window_end:
        yield start
        start += step


def _dst_grid(
    wall: datetime,
    wall_end: datetime,
    window_end: datetime,
    duration: timedelta,
    step: timedelta,
    tz: tzinfo,
) -> Iterator[datetime]:
    """Grid starts of a window that spans a DST change, stepping in wall-clock time."""
    while wall < wall_end:
        start = resolve_local(wall, tz)
        if start is not None:  # None: skipped by spring forward
            if start + duration > window_end:
                # Resolved starts grow with wall time, so no later one fits either.
                return
            yield start
        wall += step


def _slots_at(
    start: datetime,
    end: datetime,
    modes: frozenset[str],
    serving: Sequence[Official],
    buffer: timedelta,
    tz: ZoneInfo,
) -> list[Slot]:
    """The slots (one per mode with a free official) for one grid start.

    ``start``/``end`` are UTC; ``serving`` is sorted by id.
    """
    start_us, busy_until_us = _micros(start), _micros(end + buffer)
    free = [o for o in serving if o._is_free_micros(start_us, busy_until_us)]
    if not free:
        return []
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    slots = []
    for mode in sorted(modes):
        ids = tuple(o.id for o in free if mode in o.modes)
        if ids:
            slots.append(Slot(start=local_start, end=local_end, mode=mode, official_ids=ids))
    return slots


def _requested_modes(mode: str | None, officials: Sequence[Official]) -> frozenset[str]:
    if mode is not None:
        return frozenset({mode})
    return frozenset().union(*(o.modes for o in officials))


def _horizon_limit(now: datetime, tz: tzinfo, horizon_days: int) -> datetime:
    """``now`` plus ``horizon_days`` local calendar days, same wall-clock time, in UTC."""
    wall = now.astimezone(tz).replace(tzinfo=None, fold=0) + timedelta(days=horizon_days)
    return resolve_boundary(wall, tz)


def _local_day_bounds(moment: datetime) -> Interval:
    """UTC bounds of the local calendar day of ``moment`` in its own time zone."""
    tz = moment.tzinfo
    assert tz is not None  # callers check awareness
    day = moment.date()
    midnight = datetime.combine(day, time())
    next_midnight = datetime.combine(day + timedelta(days=1), time())
    return resolve_boundary(midnight, tz), resolve_boundary(next_midnight, tz)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MICROS_PER_MINUTE = 60_000_000


def _micros(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (floats could blur equal bounds)."""
    return (moment - _EPOCH) // _MICROSECOND


def _id_sort_key(official_id: OfficialId) -> tuple[bool, OfficialId]:
    # Keeps mixed int/str ids sortable without comparing int to str.
    return (isinstance(official_id, str), official_id)
