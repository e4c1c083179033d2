"""Table-driven tests for scheduling.appointments.slot_engine (pure Python, no Django needed).

Dates are in 2025, time zone Europe/Berlin:
Mon 2025-01-06 is Epiphany (holiday in Bavaria, not in Berlin); DST starts Sun
2025-03-30 (02:00 -> 03:00) and ends Sun 2025-10-26 (03:00 -> 02:00).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from scheduling.appointments.slot_engine import (
    MODE_IN_PERSON,
    MODE_VIDEO,
    Closure,
    OfficeCalendar,
    Official,
    OpeningWindow,
    Slot,
    SlotQuery,
    SlotRules,
    busy_interval,
    current_window,
    find_slot,
    free_slots,
    is_on_grid,
    is_open_at,
    next_opening,
    pick_official,
    window_contains,
)

TZ_NAME = "Europe/Berlin"
BERLIN = ZoneInfo(TZ_NAME)

BOTH = {MODE_VIDEO, MODE_IN_PERSON}

MON = date(2025, 1, 13)  # an ordinary week: Mon 13 .. Sun 19 January 2025
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
EPIPHANY = date(2025, 1, 6)
SPRING_FORWARD = date(2025, 3, 30)
FALL_BACK = date(2025, 10, 26)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def hm(text: str) -> time:
    return time.fromisoformat(text)


def at(day: date, clock: str, fold: int = 0) -> datetime:
    """Aware Berlin datetime for a local date and "HH:MM"."""
    return datetime.combine(day, hm(clock)).replace(tzinfo=BERLIN, fold=fold)


def calendar(
    windows: Iterable[tuple[int, str, str]] = ((0, "08:00", "10:00"),),
    closures: Iterable[tuple[date, date]] = (),
    holidays: Iterable[date] = (),
) -> OfficeCalendar:
    return OfficeCalendar.build(
        TZ_NAME,
        [(weekday, hm(start), hm(end)) for weekday, start, end in windows],
        closures=closures,
        holidays=holidays,
    )


WEEKDAYS_8_TO_9 = [(d, "08:00", "09:00") for d in range(5)]
WEEKDAYS_8_TO_10 = [(d, "08:00", "10:00") for d in range(5)]


def official(
    official_id: int | str,
    modes: Iterable[str] = BOTH,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> Official:
    return Official(official_id, frozenset(modes), tuple(busy))


def local_busy(day: date, start: str, end: str) -> tuple[datetime, datetime]:
    return (at(day, start), at(day, end))


def slots_for(
    cal: OfficeCalendar,
    officials: Sequence[Official],
    rules: SlotRules,
    date_from: date,
    date_to: date | None = None,
    now: datetime | None = None,
    mode: str | None = None,
) -> list[Slot]:
    """Query with ``now`` defaulting to the midnight before ``date_from``."""
    now = now or at(date_from - timedelta(days=1), "00:00")
    query = SlotQuery(date_from, date_to or date_from, now, mode)
    return free_slots(cal, officials, rules, query)


def clocks(slots: Iterable[Slot]) -> list[str]:
    """Distinct local start times "HH:MM" in order."""
    seen: list[str] = []
    for slot in slots:
        clock = slot.start.strftime("%H:%M")
        if not seen or seen[-1] != clock:
            seen.append(clock)
    return seen


def stamps(slots: Iterable[Slot]) -> list[str]:
    """Distinct local starts "YYYY-MM-DD HH:MM" in order."""
    result: list[str] = []
    for slot in slots:
        stamp = slot.start.strftime("%Y-%m-%d %H:%M")
        if not result or result[-1] != stamp:
            result.append(stamp)
    return result


def open_days(slots: Iterable[Slot]) -> list[date]:
    return sorted({slot.start.date() for slot in slots})


# ---------------------------------------------------------------------------
# opening hours and grid
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("windows", "duration", "step", "expected"),
    [
        pytest.param(
            [(0, "08:00", "10:00")],
            30,
            30,
            ["08:00", "08:30", "09:00", "09:30"],
            id="step-equal-to-duration",
        ),
        pytest.param(
            [(0, "08:00", "10:00")],
            30,
            15,
            ["08:00", "08:15", "08:30", "08:45", "09:00", "09:15", "09:30"],
            id="finer-step-than-duration",
        ),
        pytest.param(
            [(0, "08:00", "09:50")],
            30,
            30,
            ["08:00", "08:30", "09:00"],
            id="slot-must-end-within-window",
        ),
        pytest.param(
            [(0, "08:10", "09:10")],
            30,
            15,
            ["08:10", "08:25", "08:40"],
            id="grid-anchored-at-window-start",
        ),
        pytest.param(
            [(0, "08:00", "09:00"), (0, "14:00", "15:00")],
            30,
            30,
            ["08:00", "08:30", "14:00", "14:30"],
            id="two-windows-same-day",
        ),
        pytest.param(
            [(0, "08:30", "09:30"), (0, "08:00", "09:00")],
            30,
            30,
            ["08:00", "08:30", "09:00"],
            id="overlapping-windows-yield-each-start-once",
        ),
        pytest.param(
            [(0, "08:00", "09:00"), (0, "09:00", "10:00")],
            45,
            15,
            ["08:00", "08:15", "09:00", "09:15"],
            id="slot-may-not-straddle-touching-windows",
        ),
        pytest.param([(0, "08:00", "08:20")], 30, 15, [], id="window-shorter-than-duration"),
        pytest.param([(1, "08:00", "10:00")], 30, 30, [], id="other-weekday-window-ignored"),
        pytest.param(
            [(0, "08:00", "09:00")],
            20,
            None,
            ["08:00", "08:15", "08:30"],
            id="default-step-is-15-minutes",
        ),
    ],
)
def test_grid_starts_follow_opening_windows(
    windows: list[tuple[int, str, str]], duration: int, step: int | None, expected: list[str]
) -> None:
    rules = SlotRules(duration) if step is None else SlotRules(duration, step_minutes=step)
    slots = slots_for(calendar(windows), [official(1, {MODE_VIDEO})], rules, MON)
    assert clocks(slots) == expected
    assert all(s.end - s.start == timedelta(minutes=duration) for s in slots)


# ---------------------------------------------------------------------------
# closures and holidays
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closures", "holidays", "expected_days"),
    [
        pytest.param([], [], [MON, TUE, WED, THU, FRI], id="normal-week"),
        pytest.param([(WED, WED)], [], [MON, TUE, THU, FRI], id="single-day-closure"),
        pytest.param([(TUE, THU)], [], [MON, FRI], id="closure-range-inclusive"),
        pytest.param(
            [(FRI, FRI + timedelta(days=10))],
            [],
            [MON, TUE, WED, THU],
            id="closure-running-past-query-end",
        ),
        pytest.param(
            [(MON - timedelta(days=3), MON)],
            [],
            [TUE, WED, THU, FRI],
            id="closure-started-before-query",
        ),
        pytest.param([], [THU], [MON, TUE, WED, FRI], id="holiday"),
        pytest.param([], [SAT], [MON, TUE, WED, THU, FRI], id="holiday-on-closed-saturday"),
        pytest.param([(FRI, FRI)], [MON], [TUE, WED, THU], id="closure-and-holiday"),
        pytest.param([(MON, SUN)], [], [], id="whole-week-closed"),
    ],
)
def test_no_slots_on_closed_days(
    closures: list[tuple[date, date]], holidays: list[date], expected_days: list[date]
) -> None:
    cal = calendar(WEEKDAYS_8_TO_9, closures=closures, holidays=holidays)
    slots = slots_for(cal, [official(1)], SlotRules(60), MON, SUN)
    assert open_days(slots) == expected_days


def test_no_slots_on_epiphany_in_bavaria_when_holiday_given() -> None:
    bavaria = calendar(WEEKDAYS_8_TO_9, holidays={date(2025, 1, 1), EPIPHANY})
    assert slots_for(bavaria, [official(1)], SlotRules(60), EPIPHANY) == []


def test_slots_on_epiphany_in_berlin_when_no_holiday_given() -> None:
    berlin = calendar(WEEKDAYS_8_TO_9, holidays={date(2025, 1, 1)})
    assert clocks(slots_for(berlin, [official(1)], SlotRules(60), EPIPHANY)) == ["08:00"]


# ---------------------------------------------------------------------------
# existing busy time and buffer
# ---------------------------------------------------------------------------


ALL_FOUR = ["08:00", "08:30", "09:00", "09:30"]


@pytest.mark.parametrize(
    ("busy", "buffer", "expected"),
    [
        pytest.param([], 0, ALL_FOUR, id="nothing-busy"),
        pytest.param(
            [local_busy(MON, "08:30", "09:00")],
            0,
            ["08:00", "09:00", "09:30"],
            id="appointment-blocks-exactly-its-slot",
        ),
        pytest.param(
            [local_busy(MON, "08:45", "08:50")],
            0,
            ["08:00", "09:00", "09:30"],
            id="short-block-inside-slot",
        ),
        pytest.param(
            [local_busy(MON, "08:20", "08:40")],
            0,
            ["09:00", "09:30"],
            id="block-straddling-two-slots",
        ),
        pytest.param(
            [local_busy(MON, "07:00", "08:00")],
            0,
            ALL_FOUR,
            id="busy-ending-at-slot-start-is-fine",
        ),
        pytest.param(
            [local_busy(MON, "10:00", "11:00")],
            0,
            ALL_FOUR,
            id="busy-starting-at-slot-end-is-fine",
        ),
        pytest.param(
            [local_busy(MON, "09:05", "09:30")],
            10,
            ["08:00", "09:30"],
            id="buffer-running-into-busy-blocks",
        ),
        pytest.param(
            [local_busy(MON, "08:40", "08:50")],
            10,
            ["08:00", "09:00", "09:30"],
            id="buffer-ending-at-busy-start-is-fine",
        ),
        pytest.param([], 30, ALL_FOUR, id="buffer-may-run-past-closing"),
        pytest.param(
            [(datetime(2025, 1, 13, 8, 0, tzinfo=UTC), datetime(2025, 1, 13, 8, 30, tzinfo=UTC))],
            0,
            ["08:00", "08:30", "09:30"],
            id="busy-given-in-utc",
        ),
        pytest.param(
            [local_busy(MON, "08:20", "09:10"), local_busy(MON, "08:00", "08:40")],
            0,
            ["09:30"],
            id="overlapping-unsorted-busy-intervals",
        ),
        pytest.param(
            [local_busy(MON, "08:30", "08:30")], 0, ALL_FOUR, id="zero-length-busy-ignored"
        ),
        pytest.param(
            [local_busy(TUE, "08:00", "10:00")], 0, ALL_FOUR, id="busy-on-other-day-ignored"
        ),
    ],
)
def test_busy_time_and_buffer_block_slots(
    busy: list[tuple[datetime, datetime]], buffer: int, expected: list[str]
) -> None:
    rules = SlotRules(30, buffer_minutes=buffer, step_minutes=30)
    slots = slots_for(calendar(), [official(1, {MODE_VIDEO}, busy)], rules, MON)
    assert clocks(slots) == expected


def test_slot_lists_every_free_official_and_vanishes_only_when_all_are_busy() -> None:
    officials = [
        official(2, {MODE_VIDEO}, [local_busy(MON, "08:00", "08:30")]),
        official(1, {MODE_VIDEO}, [local_busy(MON, "09:00", "10:00")]),
        official(3, {MODE_VIDEO}, [local_busy(MON, "08:00", "09:00")]),
    ]
    slots = slots_for(calendar(), officials, SlotRules(30, step_minutes=30), MON)
    assert [(s.start.strftime("%H:%M"), s.official_ids) for s in slots] == [
        ("08:00", (1,)),
        ("08:30", (1, 2)),
        ("09:00", (2, 3)),
        ("09:30", (2, 3)),
    ]
    everyone_busy = [official(i, {MODE_VIDEO}, [local_busy(MON, "08:00", "10:00")]) for i in (1, 2)]
    assert slots_for(calendar(), everyone_busy, SlotRules(30), MON) == []


def test_existing_appointment_buffer_is_respected_via_busy_interval_helper() -> None:
    existing = busy_interval(at(MON, "08:00"), at(MON, "08:30"), buffer_minutes=10)
    assert existing == (at(MON, "08:00"), at(MON, "08:40"))
    slots = slots_for(
        calendar(), [official(1, {MODE_VIDEO}, [existing])], SlotRules(30, step_minutes=30), MON
    )
    assert clocks(slots) == ["09:00", "09:30"]


# ---------------------------------------------------------------------------
# modes
# ---------------------------------------------------------------------------


MIXED_TEAM = [
    official(1, BOTH),
    official(2, {MODE_IN_PERSON}),
    official(3, {MODE_VIDEO}, [local_busy(MON, "08:00", "10:00")]),
]


@pytest.mark.parametrize(
    ("mode", "expected_at_eight"),
    [
        pytest.param(None, [(MODE_IN_PERSON, (1, 2)), (MODE_VIDEO, (1,))], id="all-modes"),
        pytest.param(MODE_VIDEO, [(MODE_VIDEO, (1,))], id="video-only"),
        pytest.param(MODE_IN_PERSON, [(MODE_IN_PERSON, (1, 2))], id="in-person-only"),
    ],
)
def test_mode_filter_gives_one_slot_per_start_and_mode(
    mode: str | None, expected_at_eight: list[tuple[str, tuple[int, ...]]]
) -> None:
    slots = slots_for(calendar(), MIXED_TEAM, SlotRules(30, step_minutes=30), MON, mode=mode)
    at_eight = [(s.mode, s.official_ids) for s in slots if s.start == at(MON, "08:00")]
    assert at_eight == expected_at_eight
    assert len(slots) == 4 * len(expected_at_eight)


def test_official_who_does_not_serve_video_never_appears_in_video_slots() -> None:
    slots = slots_for(calendar(), MIXED_TEAM, SlotRules(30), MON, mode=MODE_VIDEO)
    assert slots
    assert all(2 not in s.official_ids for s in slots)


def test_no_video_slots_when_only_in_person_officials_are_free() -> None:
    team = [official(1, {MODE_IN_PERSON}), official(2, {MODE_IN_PERSON})]
    assert slots_for(calendar(), team, SlotRules(30), MON, mode=MODE_VIDEO) == []
    assert {s.mode for s in slots_for(calendar(), team, SlotRules(30), MON)} == {MODE_IN_PERSON}


def test_no_slots_without_officials() -> None:
    assert slots_for(calendar(), [], SlotRules(30), MON) == []


# ---------------------------------------------------------------------------
# lead time, horizon and query range
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "lead", "horizon", "expected_first", "expected_last"),
    [
        pytest.param(
            at(MON, "08:20"),
            0,
            60,
            "2025-01-13 08:30",
            "2025-01-15 09:30",
            id="past-starts-dropped",
        ),
        pytest.param(
            at(MON, "08:20"),
            10,
            60,
            "2025-01-13 08:30",
            "2025-01-15 09:30",
            id="start-exactly-at-lead-limit-allowed",
        ),
        pytest.param(
            at(MON, "08:20"),
            11,
            60,
            "2025-01-13 09:00",
            "2025-01-15 09:30",
            id="start-inside-lead-time-dropped",
        ),
        pytest.param(
            at(MON, "08:20"),
            24 * 60,
            60,
            "2025-01-14 08:30",
            "2025-01-15 09:30",
            id="one-day-lead",
        ),
        pytest.param(
            at(MON, "08:20"),
            0,
            1,
            "2025-01-13 08:30",
            "2025-01-14 08:00",
            id="one-day-horizon",
        ),
        pytest.param(
            at(MON, "08:00"),
            0,
            1,
            "2025-01-13 08:00",
            "2025-01-14 08:00",
            id="start-exactly-at-horizon-allowed",
        ),
        pytest.param(
            at(MON - timedelta(days=3), "12:00"),
            0,
            60,
            "2025-01-13 08:00",
            "2025-01-15 09:30",
            id="now-before-query-range",
        ),
    ],
)
def test_lead_time_and_horizon_limit_starts(
    now: datetime, lead: int, horizon: int, expected_first: str, expected_last: str
) -> None:
    cal = calendar(WEEKDAYS_8_TO_10)
    rules = SlotRules(30, step_minutes=30, lead_minutes=lead, horizon_days=horizon)
    result = stamps(slots_for(cal, [official(1, {MODE_VIDEO})], rules, MON, WED, now=now))
    assert (result[0], result[-1]) == (expected_first, expected_last)


def test_no_slots_beyond_horizon_or_before_now() -> None:
    cal = calendar(WEEKDAYS_8_TO_10)
    rules = SlotRules(30, horizon_days=7)
    now = at(MON, "12:00")
    assert slots_for(cal, [official(1)], rules, MON + timedelta(days=8), now=now) == []
    assert slots_for(cal, [official(1)], rules, MON - timedelta(days=7), MON, now=now) == []
    # A zero-day horizon leaves nothing bookable: every start lies after ``now``.
    zero = SlotRules(30, horizon_days=0)
    assert slots_for(cal, [official(1)], zero, MON, TUE, now=at(MON, "07:00")) == []


def test_horizon_counts_local_calendar_days_across_spring_forward() -> None:
    # Fri 28 March 09:00 (+01:00) + 3 days = Mon 31 March 09:00 (+02:00): only 71 real hours.
    cal = calendar(WEEKDAYS_8_TO_10)
    rules = SlotRules(30, step_minutes=30, horizon_days=3)
    now = at(date(2025, 3, 28), "09:00")
    result = stamps(
        slots_for(cal, [official(1)], rules, date(2025, 3, 31), now=now, mode=MODE_VIDEO)
    )
    assert result == ["2025-03-31 08:00", "2025-03-31 08:30", "2025-03-31 09:00"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected_days"),
    [
        pytest.param(TUE, TUE, [TUE], id="single-day"),
        pytest.param(TUE, THU, [TUE, WED, THU], id="endpoints-inclusive"),
        pytest.param(THU, TUE, [], id="reversed-range-is-empty"),
        pytest.param(SAT, SUN, [], id="weekend-only"),
    ],
)
def test_query_range_is_inclusive_local_dates(
    date_from: date, date_to: date, expected_days: list[date]
) -> None:
    cal = calendar(WEEKDAYS_8_TO_9)
    now = at(MON, "00:00")
    slots = slots_for(cal, [official(1)], SlotRules(60), date_from, date_to, now=now)
    assert open_days(slots) == expected_days


def test_slots_are_sorted_by_real_start_then_mode() -> None:
    cal = calendar([(d, "01:00", "04:00") for d in range(7)])
    team = [official(1, BOTH), official(2, {MODE_IN_PERSON})]
    slots = slots_for(cal, team, SlotRules(45), FALL_BACK - timedelta(days=1), FALL_BACK)
    keys = [(s.start.astimezone(UTC), s.mode) for s in slots]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


# ---------------------------------------------------------------------------
# daylight saving time
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monday_before", "monday_after", "offset_before", "offset_after"),
    [
        pytest.param(date(2025, 3, 24), date(2025, 3, 31), 1, 2, id="spring-forward"),
        pytest.param(date(2025, 10, 20), date(2025, 10, 27), 2, 1, id="fall-back"),
    ],
)
def test_slot_offsets_change_across_dst_while_local_times_stay(
    monday_before: date, monday_after: date, offset_before: int, offset_after: int
) -> None:
    cal = calendar()
    rules = SlotRules(30, step_minutes=30, horizon_days=30)
    team = [official(1, {MODE_VIDEO})]
    before = slots_for(cal, team, rules, monday_before)
    after = slots_for(cal, team, rules, monday_after)

    assert clocks(before) == clocks(after) == ALL_FOUR
    assert {s.start.utcoffset() for s in before} == {timedelta(hours=offset_before)}
    assert {s.start.utcoffset() for s in after} == {timedelta(hours=offset_after)}
    # Same wall clock, so the UTC instants moved by the offset difference.
    assert [s.start.astimezone(UTC).hour for s in before] == [8 - offset_before] * 2 + [
        9 - offset_before
    ] * 2
    assert [s.start.astimezone(UTC).hour for s in after] == [8 - offset_after] * 2 + [
        9 - offset_after
    ] * 2


def test_slot_offsets_change_across_spring_forward() -> None:
    # The headline case on its own: same 08:00 on both Mondays, one hour apart in UTC.
    cal = calendar()
    rules = SlotRules(30, horizon_days=30)
    before = slots_for(cal, [official(1)], rules, date(2025, 3, 24), mode=MODE_VIDEO)[0]
    after = slots_for(cal, [official(1)], rules, date(2025, 3, 31), mode=MODE_VIDEO)[0]
    assert before.start.isoformat() == "2025-03-24T08:00:00+01:00"
    assert after.start.isoformat() == "2025-03-31T08:00:00+02:00"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(
            SPRING_FORWARD,
            [
                # 02:00-02:45 do not exist; the window really lasts one hour.
                ("2025-03-30T03:00:00+02:00", "2025-03-30T03:30:00+02:00"),
                ("2025-03-30T03:15:00+02:00", "2025-03-30T03:45:00+02:00"),
                ("2025-03-30T03:30:00+02:00", "2025-03-30T04:00:00+02:00"),
            ],
            id="spring-forward-skips-missing-hour",
        ),
        pytest.param(
            FALL_BACK,
            [
                # 02:xx is resolved as the first occurrence (summer time, fold=0);
                # slots may end in the repeated hour (winter time).
                ("2025-10-26T02:00:00+02:00", "2025-10-26T02:30:00+02:00"),
                ("2025-10-26T02:15:00+02:00", "2025-10-26T02:45:00+02:00"),
                ("2025-10-26T02:30:00+02:00", "2025-10-26T02:00:00+01:00"),
                ("2025-10-26T02:45:00+02:00", "2025-10-26T02:15:00+01:00"),
                ("2025-10-26T03:00:00+01:00", "2025-10-26T03:30:00+01:00"),
                ("2025-10-26T03:15:00+01:00", "2025-10-26T03:45:00+01:00"),
                ("2025-10-26T03:30:00+01:00", "2025-10-26T04:00:00+01:00"),
            ],
            id="fall-back-uses-first-occurrence",
        ),
    ],
)
def test_window_from_2_to_4_on_dst_sunday(day: date, expected: list[tuple[str, str]]) -> None:
    cal = calendar([(6, "02:00", "04:00")])
    slots = slots_for(cal, [official(1, {MODE_VIDEO})], SlotRules(30, step_minutes=15), day)
    assert [(s.start.isoformat(), s.end.isoformat()) for s in slots] == expected


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["spring", "fall"])
def test_slot_duration_is_elapsed_time_on_dst_days(day: date) -> None:
    cal = calendar([(6, "00:00", "06:00")])
    slots = slots_for(cal, [official(1, {MODE_VIDEO})], SlotRules(50, step_minutes=10), day)
    assert slots
    for slot in slots:
        assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(minutes=50)
        assert slot.start.tzinfo is BERLIN and slot.end.tzinfo is BERLIN


def test_slot_spanning_the_spring_gap_ends_an_hour_later_on_the_clock() -> None:
    cal = calendar([(6, "01:00", "04:00")])
    slots = slots_for(
        cal, [official(1, {MODE_VIDEO})], SlotRules(30, step_minutes=30), SPRING_FORWARD
    )
    spanning = next(s for s in slots if s.start == at(SPRING_FORWARD, "01:30"))
    assert spanning.end.isoformat() == "2025-03-30T03:00:00+02:00"
    assert clocks(slots) == ["01:00", "01:30", "03:00", "03:30"]


def test_window_closing_inside_spring_gap_closes_at_the_jump() -> None:
    # 02:30 never shows on the clock: the window ends when the clock jumps (01:00 UTC).
    cal = calendar([(6, "01:00", "02:30")])
    slots = slots_for(
        cal, [official(1, {MODE_VIDEO})], SlotRules(30, step_minutes=15), SPRING_FORWARD
    )
    assert clocks(slots) == ["01:00", "01:15", "01:30"]
    assert slots[-1].end.astimezone(UTC) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert not is_open_at(datetime(2025, 3, 30, 1, 15, tzinfo=UTC), cal)


def test_window_entirely_inside_spring_gap_has_no_slots() -> None:
    cal = calendar([(6, "02:00", "02:45")])
    assert slots_for(cal, [official(1)], SlotRules(15), SPRING_FORWARD) == []
    assert current_window(at(SPRING_FORWARD, "01:59"), cal) is None


def test_busy_time_in_repeated_hour_is_compared_in_real_time() -> None:
    # Busy during the *second* 02:30-03:00 (winter time) = 01:30-02:00 UTC.
    busy = (at(FALL_BACK, "02:30", fold=1), at(FALL_BACK, "03:00"))
    assert busy[0].astimezone(UTC) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    cal = calendar([(6, "01:00", "04:00")])
    team = [official(1, {MODE_VIDEO}, [busy])]
    slots = slots_for(cal, team, SlotRules(60, step_minutes=15), FALL_BACK)
    starts = {s.start.isoformat() for s in slots}
    # 02:30 summer time + 60 min ends exactly when the busy time starts.
    assert "2025-10-26T02:30:00+02:00" in starts
    assert "2025-10-26T02:45:00+02:00" not in starts
    assert "2025-10-26T03:00:00+01:00" in starts


# ---------------------------------------------------------------------------
# assigning an official
# ---------------------------------------------------------------------------


SLOT_START, SLOT_END = at(MON, "10:00"), at(MON, "10:30")


@pytest.mark.parametrize(
    ("officials", "mode", "buffer", "expected"),
    [
        pytest.param(
            [
                official(1, BOTH, [local_busy(MON, "08:00", "09:30")]),
                official(2, BOTH, [local_busy(MON, "08:00", "08:30")]),
            ],
            MODE_VIDEO,
            0,
            2,
            id="least-loaded-wins",
        ),
        pytest.param(
            [
                official(2, BOTH, [local_busy(MON, "08:00", "08:30")]),
                official(1, BOTH, [local_busy(MON, "11:00", "11:30")]),
            ],
            MODE_VIDEO,
            0,
            1,
            id="tie-goes-to-smallest-id",
        ),
        pytest.param(
            [official("b", BOTH), official("a", BOTH)],
            MODE_VIDEO,
            0,
            "a",
            id="tie-with-string-ids",
        ),
        pytest.param(
            [
                official(1, BOTH, [local_busy(MON, "10:00", "10:15")]),
                official(2, BOTH, [local_busy(MON, "08:00", "09:30")]),
            ],
            MODE_VIDEO,
            0,
            2,
            id="busy-official-skipped-even-if-least-loaded",
        ),
        pytest.param(
            [
                official(1, BOTH, [local_busy(MON, "10:35", "11:00")]),
                official(2, BOTH, [local_busy(MON, "08:00", "09:30")]),
            ],
            MODE_VIDEO,
            0,
            1,
            id="next-appointment-after-slot-end-is-fine",
        ),
        pytest.param(
            [
                official(1, BOTH, [local_busy(MON, "10:35", "11:00")]),
                official(2, BOTH, [local_busy(MON, "08:00", "09:30")]),
            ],
            MODE_VIDEO,
            10,
            2,
            id="buffer-collision-skips-official",
        ),
        pytest.param(
            [
                official(1, {MODE_IN_PERSON}),
                official(2, {MODE_VIDEO}, [local_busy(MON, "08:00", "09:30")]),
            ],
            MODE_VIDEO,
            0,
            2,
            id="official-not-serving-mode-skipped",
        ),
        pytest.param(
            [
                official(1, BOTH, [local_busy(MON - timedelta(days=1), "08:00", "16:00")]),
                official(2, BOTH, [local_busy(MON, "08:00", "08:30")]),
            ],
            MODE_VIDEO,
            0,
            1,
            id="load-counts-only-that-day",
        ),
        pytest.param(
            [
                # 00:00-01:00 local on Monday is Sunday 23:00-24:00 in UTC.
                official(1, BOTH, [local_busy(MON, "00:00", "01:00")]),
                official(2, BOTH, [local_busy(MON, "12:00", "12:30")]),
            ],
            MODE_VIDEO,
            0,
            2,
            id="load-uses-local-day-not-utc-day",
        ),
        pytest.param(
            [official(1, BOTH, [local_busy(MON, "09:00", "11:00")])],
            MODE_VIDEO,
            0,
            None,
            id="nobody-free",
        ),
        pytest.param([], MODE_VIDEO, 0, None, id="no-officials"),
    ],
)
def test_pick_official_assigns_least_loaded_free_official(
    officials: list[Official], mode: str, buffer: int, expected: int | str | None
) -> None:
    assert pick_official(SLOT_START, SLOT_END, mode, officials, buffer) == expected


def test_pick_official_counts_load_in_office_time_zone_for_utc_input() -> None:
    # 00:00-01:00 Monday in Berlin is Sunday in UTC: with tz given it counts for Monday.
    team = [
        official(1, BOTH, [local_busy(MON, "00:00", "01:00")]),
        official(2, BOTH, [local_busy(MON, "12:00", "12:30")]),
    ]
    start_utc, end_utc = SLOT_START.astimezone(UTC), SLOT_END.astimezone(UTC)
    assert pick_official(start_utc, end_utc, MODE_VIDEO, team, tz=BERLIN) == 2
    assert pick_official(start_utc, end_utc, MODE_VIDEO, team) == 1  # UTC day: no load


def test_picked_official_is_one_of_the_slot_officials() -> None:
    team = [
        official(1, {MODE_VIDEO}, [local_busy(MON, "08:00", "08:30")]),
        official(2, {MODE_VIDEO}, [local_busy(MON, "09:00", "09:30")]),
        official(3, {MODE_VIDEO}, [local_busy(MON, "08:00", "09:00")]),
    ]
    rules = SlotRules(30, buffer_minutes=5)
    for slot in slots_for(calendar(), team, rules, MON):
        chosen = pick_official(slot.start, slot.end, slot.mode, team, rules.buffer_minutes)
        assert chosen in slot.official_ids


# ---------------------------------------------------------------------------
# validating a requested start
# ---------------------------------------------------------------------------


GRID_CAL = calendar([(0, "08:00", "12:00"), (0, "14:00", "16:00"), (6, "01:00", "04:00")])


@pytest.mark.parametrize(
    ("start", "step", "expected"),
    [
        pytest.param(at(MON, "08:00"), 15, True, id="window-start"),
        pytest.param(at(MON, "08:45"), 15, True, id="grid-point"),
        pytest.param(at(MON, "11:45"), 15, True, id="last-grid-point"),
        pytest.param(at(MON, "14:00"), 15, True, id="second-window"),
        pytest.param(at(MON, "08:05"), 15, False, id="off-grid-minute"),
        pytest.param(at(MON, "08:00").replace(second=30), 15, False, id="off-grid-seconds"),
        pytest.param(at(MON, "08:15"), 30, False, id="off-coarser-grid"),
        pytest.param(at(MON, "12:00"), 15, False, id="window-end-is-not-a-start"),
        pytest.param(at(MON, "13:00"), 15, False, id="between-windows"),
        pytest.param(at(MON, "07:45"), 15, False, id="before-opening"),
        pytest.param(at(TUE, "08:00"), 15, False, id="weekday-without-window"),
        pytest.param(datetime(2025, 1, 13, 7, 0, tzinfo=UTC), 15, True, id="same-instant-in-utc"),
        pytest.param(datetime(2025, 1, 13, 8, 0, tzinfo=UTC), 15, True, id="utc-9-local"),
        pytest.param(
            datetime(2025, 1, 13, 13, 0, tzinfo=timezone(timedelta(hours=5))),
            15,
            True,
            id="same-instant-in-other-zone",
        ),
        pytest.param(
            datetime(2025, 1, 13, 13, 10, tzinfo=timezone(timedelta(hours=5))),
            15,
            False,
            id="off-grid-in-other-zone",
        ),
        pytest.param(at(FALL_BACK, "02:15"), 15, True, id="ambiguous-first-occurrence"),
        pytest.param(at(FALL_BACK, "02:15", fold=1), 15, False, id="ambiguous-second-occurrence"),
        pytest.param(at(SPRING_FORWARD, "02:30"), 15, False, id="nonexistent-local-time"),
        pytest.param(at(SPRING_FORWARD, "03:00"), 15, True, id="first-time-after-gap"),
    ],
)
def test_is_on_grid_detects_off_grid_starts(start: datetime, step: int, expected: bool) -> None:
    assert is_on_grid(start, GRID_CAL, step) is expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(at(MON, "08:00"), at(MON, "08:30"), True, id="inside"),
        pytest.param(at(MON, "11:30"), at(MON, "12:00"), True, id="ending-at-close"),
        pytest.param(at(MON, "11:45"), at(MON, "12:15"), False, id="running-past-close"),
        pytest.param(at(MON, "07:50"), at(MON, "08:20"), False, id="starting-before-open"),
        pytest.param(at(MON, "11:00"), at(MON, "15:00"), False, id="spanning-two-windows"),
        pytest.param(at(MON, "12:00"), at(MON, "12:30"), False, id="between-windows"),
        pytest.param(at(MON, "09:00"), at(MON, "09:00"), False, id="empty-interval"),
        pytest.param(at(MON, "09:00"), at(MON, "08:30"), False, id="reversed-interval"),
        pytest.param(
            datetime(2025, 1, 13, 7, 0, tzinfo=UTC),
            datetime(2025, 1, 13, 7, 30, tzinfo=UTC),
            True,
            id="given-in-utc",
        ),
        pytest.param(at(EPIPHANY, "08:00"), at(EPIPHANY, "08:30"), False, id="holiday"),
        pytest.param(
            at(FALL_BACK, "03:30"),
            at(FALL_BACK, "04:00"),
            True,
            id="after-fall-back",
        ),
    ],
)
def test_window_contains(start: datetime, end: datetime, expected: bool) -> None:
    cal = OfficeCalendar.build(TZ_NAME, GRID_CAL.windows, holidays={EPIPHANY})
    assert window_contains(start, end, cal) is expected


FIND_TEAM = [
    official(1, {MODE_VIDEO}, [local_busy(MON, "09:00", "09:30")]),
    official(2, {MODE_IN_PERSON}),
]


@pytest.mark.parametrize(
    ("start", "mode", "now", "expected_ids"),
    [
        pytest.param(at(MON, "08:30"), MODE_VIDEO, at(MON, "07:00"), (1,), id="offered-slot"),
        pytest.param(
            datetime(2025, 1, 13, 7, 30, tzinfo=UTC),
            MODE_VIDEO,
            at(MON, "07:00"),
            (1,),
            id="offered-slot-given-in-utc",
        ),
        pytest.param(at(MON, "09:00"), MODE_IN_PERSON, at(MON, "07:00"), (2,), id="other-mode"),
        pytest.param(at(MON, "08:10"), MODE_VIDEO, at(MON, "07:00"), None, id="off-grid"),
        pytest.param(at(MON, "09:00"), MODE_VIDEO, at(MON, "07:00"), None, id="official-busy"),
        pytest.param(at(MON, "08:30"), MODE_VIDEO, at(MON, "08:45"), None, id="in-the-past"),
        pytest.param(at(MON, "08:30"), MODE_VIDEO, at(MON, "08:20"), None, id="inside-lead-time"),
        pytest.param(
            at(MON, "11:45"), MODE_VIDEO, at(MON, "07:00"), None, id="would-end-after-close"
        ),
        pytest.param(at(EPIPHANY, "08:30"), MODE_VIDEO, at(EPIPHANY, "07:00"), None, id="holiday"),
        pytest.param(
            at(MON, "08:30"),
            MODE_VIDEO,
            at(MON - timedelta(days=30), "07:00"),
            None,
            id="beyond-horizon",
        ),
    ],
)
def test_find_slot_accepts_only_offered_starts(
    start: datetime, mode: str, now: datetime, expected_ids: tuple[int, ...] | None
) -> None:
    cal = OfficeCalendar.build(TZ_NAME, GRID_CAL.windows, holidays={EPIPHANY})
    rules = SlotRules(30, lead_minutes=15, horizon_days=14)
    slot = find_slot(start, mode, cal, FIND_TEAM, rules, now)
    if expected_ids is None:
        assert slot is None
    else:
        assert slot is not None
        assert slot.official_ids == expected_ids
        assert slot.start.astimezone(UTC) == start.astimezone(UTC)
        assert slot.start.tzinfo is BERLIN


# ---------------------------------------------------------------------------
# opening state
# ---------------------------------------------------------------------------


# Mon 08-12 + 12-13 (touching, merged to 08-13) and 14-16; Tue-Fri 08-12;
# Wed 15 Jan is a holiday, Thu 16 - Fri 17 Jan are closed.
STATE_CAL = calendar(
    [(0, "08:00", "12:00"), (0, "12:00", "13:00"), (0, "14:00", "16:00")]
    + [(d, "08:00", "12:00") for d in range(1, 5)],
    closures=[(THU, FRI)],
    holidays=[WED],
)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(at(MON, "07:59"), None, id="before-opening"),
        pytest.param(at(MON, "08:00"), ("08:00", "13:00"), id="at-opening"),
        pytest.param(at(MON, "12:30"), ("08:00", "13:00"), id="touching-windows-merged"),
        pytest.param(at(MON, "13:00"), None, id="at-closing-is-closed"),
        pytest.param(at(MON, "13:30"), None, id="lunch-break"),
        pytest.param(at(MON, "15:59"), ("14:00", "16:00"), id="afternoon"),
        pytest.param(datetime(2025, 1, 13, 14, 0, tzinfo=UTC), ("14:00", "16:00"), id="utc-input"),
        pytest.param(at(WED, "09:00"), None, id="holiday"),
        pytest.param(at(THU, "09:00"), None, id="closure"),
        pytest.param(at(SAT, "09:00"), None, id="weekend"),
    ],
)
def test_current_window_and_is_open_at(moment: datetime, expected: tuple[str, str] | None) -> None:
    window = current_window(moment, STATE_CAL)
    assert is_open_at(moment, STATE_CAL) is (expected is not None)
    if expected is None:
        assert window is None
    else:
        assert window is not None
        assert (window[0].strftime("%H:%M"), window[1].strftime("%H:%M")) == expected
        assert window[0].tzinfo is BERLIN


@pytest.mark.parametrize(
    ("after", "horizon", "expected"),
    [
        pytest.param(at(MON, "07:00"), 60, "2025-01-13T08:00:00+01:00", id="closed-before-opening"),
        pytest.param(at(MON, "08:00"), 60, "2025-01-13T14:00:00+01:00", id="open-at-start"),
        pytest.param(
            at(MON, "11:30"), 60, "2025-01-13T14:00:00+01:00", id="open-skips-touching-window"
        ),
        pytest.param(at(MON, "13:30"), 60, "2025-01-13T14:00:00+01:00", id="lunch-break"),
        pytest.param(at(MON, "15:00"), 60, "2025-01-14T08:00:00+01:00", id="open-last-period"),
        pytest.param(at(MON, "16:00"), 60, "2025-01-14T08:00:00+01:00", id="just-closed"),
        pytest.param(
            at(TUE, "13:00"), 60, "2025-01-20T08:00:00+01:00", id="skips-holiday-and-closure"
        ),
        pytest.param(at(TUE, "13:00"), 5, None, id="nothing-within-horizon"),
        pytest.param(at(TUE, "13:00"), 6, "2025-01-20T08:00:00+01:00", id="horizon-inclusive"),
        pytest.param(
            at(date(2025, 3, 28), "12:00"),
            60,
            "2025-03-31T08:00:00+02:00",
            id="across-dst",
        ),
    ],
)
def test_next_opening(after: datetime, horizon: int, expected: str | None) -> None:
    result = next_opening(after, STATE_CAL, horizon_days=horizon)
    assert (None if result is None else result.isoformat()) == expected


def test_next_opening_is_none_without_windows() -> None:
    assert next_opening(at(MON, "08:00"), calendar([])) is None


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: OpeningWindow(7, hm("08:00"), hm("10:00")), id="weekday-out-of-range"),
        pytest.param(lambda: OpeningWindow(0, hm("10:00"), hm("10:00")), id="empty-window"),
        pytest.param(lambda: OpeningWindow(0, hm("22:00"), hm("02:00")), id="overnight-window"),
        pytest.param(
            lambda: OpeningWindow(0, time(8, tzinfo=UTC), hm("10:00")), id="aware-window-time"
        ),
        pytest.param(lambda: Closure(FRI, MON), id="reversed-closure"),
        pytest.param(lambda: Official(1, frozenset({"telepathy"})), id="unknown-official-mode"),
        pytest.param(
            lambda: Official(1, frozenset(BOTH), ((datetime(2025, 1, 13, 8), at(MON, "09:00")),)),
            id="naive-busy-time",
        ),
        pytest.param(lambda: SlotRules(0), id="zero-duration"),
        pytest.param(lambda: SlotRules(30, step_minutes=0), id="zero-step"),
        pytest.param(lambda: SlotRules(30, buffer_minutes=-5), id="negative-buffer"),
        pytest.param(lambda: SlotRules(30, lead_minutes=-1), id="negative-lead"),
        pytest.param(lambda: SlotQuery(MON, MON, datetime(2025, 1, 13, 8)), id="naive-now"),
        pytest.param(lambda: SlotQuery(MON, MON, at(MON, "08:00"), "fax"), id="unknown-query-mode"),
        pytest.param(lambda: is_on_grid(datetime(2025, 1, 13, 8), GRID_CAL, 15), id="naive-start"),
        pytest.param(
            lambda: pick_official(datetime(2025, 1, 13, 8), at(MON, "08:30"), MODE_VIDEO, []),
            id="naive-slot-start",
        ),
    ],
)
def test_invalid_input_is_rejected(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        build()


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        OfficeCalendar.build("Europe/Atlantis", [])


def test_calendar_and_official_are_hashable_values() -> None:
    first = calendar(WEEKDAYS_8_TO_9, closures=[(MON, TUE)], holidays=[WED])
    second = calendar(WEEKDAYS_8_TO_9, closures=[(MON, TUE)], holidays=[WED])
    assert first == second and hash(first) == hash(second)
    busy = [local_busy(MON, "09:00", "10:00"), local_busy(MON, "08:00", "09:00")]
    assert official(1, BOTH, busy).busy == (
        (at(MON, "08:00").astimezone(UTC), at(MON, "10:00").astimezone(UTC)),
    )


# ---------------------------------------------------------------------------
# the bisect-based busy index agrees with a brute-force scan
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_busy_index_agrees_with_brute_force_scan(seed: int) -> None:
    rng = random.Random(seed)
    base = datetime(2025, 1, 13, tzinfo=UTC)

    def minute(m: int) -> datetime:
        return base + timedelta(minutes=m)

    raw = []
    for _ in range(rng.randint(0, 60)):
        start = rng.randint(0, 24 * 60)
        raw.append((start, start + rng.randint(0, 90)))
    person = Official(1, frozenset(BOTH), tuple((minute(s), minute(e)) for s, e in raw))
    busy_minutes = {m for s, e in raw for m in range(s, e)}

    for _ in range(300):
        start = rng.randint(-60, 25 * 60)
        end = start + rng.randint(1, 120)
        overlaps = any(s < end and start < e for s, e in raw if s < e)
        assert person.is_free(minute(start), minute(end)) is not overlaps
        expected_load = len(busy_minutes & set(range(start, end)))
        assert person.busy_minutes_between(minute(start), minute(end)) == expected_load
