"""Free slots through the Django layer (booking_selectors → slot_engine): opening hours ×
closures × holidays × existing bookings and blocked time × DST, with rows in the database."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from offices.models import Closure, LocalHoliday
from scheduling.appointments.models import Appointment
from scheduling.appointments.selectors import free_slots
from tests.offices.factories import make_office, make_service
from tests.scheduling.appointments.test_booking_support import at, booking_setup

# 2027-03-01 is a Monday; "now" is the Friday before, so lead time plays no part.
NOW = at(2027, 2, 26, 12)


def starts(ctx, setup, day: date, *, mode="in_person", now=NOW, service=None):
    with ctx.schema():
        slots = free_slots(
            tenant=ctx.tenant,
            office=setup.office,
            service=service or setup.service,
            date_from=day,
            date_to=day,
            mode=mode,
            now=now,
        )
    return [s.start.strftime("%H:%M%z") for s in slots]


def hold(setup, start, end, *, official=None, status="booked", kind="appointment", buffer=5):
    return Appointment.objects.create(
        reference=f"T{Appointment.objects.count():07d}",
        office=setup.office,
        service=setup.service if kind == "appointment" else None,
        official=official or setup.officials[0],
        kind=kind,
        status=status,
        start=start,
        end=end,
        blocked_until=end + timedelta(minutes=buffer),
    )


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup()


def grid(first: str, last: str, offset: str = "+0100", step: int = 15) -> list[str]:
    h, m = map(int, first.split(":"))
    out, cur = [], h * 60 + m
    lh, lm = map(int, last.split(":"))
    while cur <= lh * 60 + lm:
        out.append(f"{cur // 60:02d}:{cur % 60:02d}{offset}")
        cur += step
    return out


def test_opening_hours_give_a_stable_quarter_hour_grid(tenant_a, setup_a):
    # 08:00-12:00, 30 minutes: the last start that still ends by 12:00 is 11:30.
    assert starts(tenant_a, setup_a, date(2027, 3, 1)) == grid("08:00", "11:30")
    # Thursday has an afternoon window as well.
    assert starts(tenant_a, setup_a, date(2027, 3, 4)) == (
        grid("08:00", "11:30") + grid("14:00", "17:30")
    )
    assert starts(tenant_a, setup_a, date(2027, 3, 6)) == []  # Saturday


def test_both_modes_are_listed_when_no_mode_is_asked_for(tenant_a, setup_a):
    with tenant_a.schema():
        slots = free_slots(
            tenant=tenant_a.tenant,
            office=setup_a.office,
            service=setup_a.service,
            date_from=date(2027, 3, 1),
            date_to=date(2027, 3, 1),
            now=NOW,
        )
    assert {s.mode for s in slots} == {"video", "in_person"}
    assert len(slots) == 2 * 15


def test_a_closure_and_a_local_holiday_close_the_day(tenant_a, setup_a):
    with tenant_a.schema():
        Closure.objects.create(
            office=setup_a.office,
            start_date=date(2027, 3, 2),
            end_date=date(2027, 3, 3),
            reason="Umzug",
        )
        LocalHoliday.objects.create(date=date(2027, 3, 5), name="Stadtfest")
    assert starts(tenant_a, setup_a, date(2027, 3, 2)) == []
    assert starts(tenant_a, setup_a, date(2027, 3, 3)) == []
    assert starts(tenant_a, setup_a, date(2027, 3, 4))  # the day after the closure is open
    assert starts(tenant_a, setup_a, date(2027, 3, 5)) == []


def test_state_holidays_follow_the_municipalitys_state(tenant_a, tenant_b):
    # 6 January (Epiphany) is a holiday in Bavaria, a working day in Berlin.
    epiphany = date(2027, 1, 6)
    now = at(2027, 1, 1, 12)
    for ctx in (tenant_a, tenant_b):
        with ctx.schema():
            setup = booking_setup()
        found = starts(ctx, setup, epiphany, now=now)
        assert (found == []) == (ctx is tenant_a)


def test_an_existing_booking_and_its_buffer_block_the_official(tenant_a, setup_a):
    with tenant_a.schema():
        hold(setup_a, at(2027, 3, 1, 9), at(2027, 3, 1, 9, 30))  # held until 09:35
    found = starts(tenant_a, setup_a, date(2027, 3, 1))
    # A new slot needs [start, end + 5 min) free: 08:15 ends 08:45+5 < 09:00, 08:30 does not;
    # 09:30 would overlap the old buffer until 09:35; 09:45 is free again.
    assert "08:15+0100" in found and "09:45+0100" in found
    for blocked in ("08:30", "08:45", "09:00", "09:15", "09:30"):
        assert f"{blocked}+0100" not in found


def test_cancelled_and_no_show_rows_do_not_block_but_blocked_time_does(tenant_a, setup_a):
    with tenant_a.schema():
        hold(setup_a, at(2027, 3, 1, 8), at(2027, 3, 1, 8, 30), status="cancelled")
        hold(setup_a, at(2027, 3, 1, 10), at(2027, 3, 1, 10, 30), status="no_show")
        hold(setup_a, at(2027, 3, 1, 11), at(2027, 3, 1, 12), kind="block", buffer=0)
    found = starts(tenant_a, setup_a, date(2027, 3, 1))
    assert found[0] == "08:00+0100"
    assert "10:00+0100" in found
    assert "10:30+0100" not in found  # would run into the block at 11:00 with its buffer
    assert not [s for s in found if s >= "11:00"]


def test_a_second_official_keeps_the_slot_open(tenant_a):
    with tenant_a.schema():
        setup = booking_setup(officials=2)
        hold(setup, at(2027, 3, 1, 9), at(2027, 3, 1, 9, 30), official=setup.officials[0])
        slots = free_slots(
            tenant=tenant_a.tenant,
            office=setup.office,
            service=setup.service,
            date_from=date(2027, 3, 1),
            date_to=date(2027, 3, 1),
            mode="in_person",
            now=NOW,
        )
    at_nine = next(s for s in slots if s.start == at(2027, 3, 1, 9))
    assert at_nine.official_ids == (setup.officials[1].pk,)


def test_an_official_busy_in_another_office_is_busy_here(tenant_a, setup_a):
    with tenant_a.schema():
        other = make_office("standesamt")
        make_service(other, "trauung", duration_minutes=60)
        setup_a.officials[0].offices.add(other)
        Appointment.objects.create(
            reference="OTHER001",
            office=other,
            official=setup_a.officials[0],
            start=at(2027, 3, 1, 8),
            end=at(2027, 3, 1, 10),
            blocked_until=at(2027, 3, 1, 10, 5),
        )
    found = starts(tenant_a, setup_a, date(2027, 3, 1))
    assert found[0] == "10:15+0100"


def test_only_officials_serving_the_service_count(tenant_a, setup_a):
    with tenant_a.schema():
        other = make_service(setup_a.office, "meldebescheinigung", duration_minutes=15)
    assert starts(tenant_a, setup_a, date(2027, 3, 1), service=other) == []
    with tenant_a.schema():
        setup_a.officials[0].services.add(other)
    assert len(starts(tenant_a, setup_a, date(2027, 3, 1), service=other)) == 16


def test_modes_come_from_the_service_and_the_office(tenant_a):
    with tenant_a.schema():
        setup = booking_setup(video=False)
    assert starts(tenant_a, setup, date(2027, 3, 1), mode="video") == []
    assert starts(tenant_a, setup, date(2027, 3, 1), mode="in_person")
    with tenant_a.schema():
        setup = booking_setup(slug="kfz", video_enabled=False)
    assert starts(tenant_a, setup, date(2027, 3, 1), mode="video") == []


def test_lead_time_and_horizon_cut_the_list(tenant_a):
    with tenant_a.schema():
        setup = booking_setup(lead=90, horizon=7)
    now = at(2027, 3, 1, 7, 40)  # earliest start: 09:10, so 09:15
    assert starts(tenant_a, setup, date(2027, 3, 1), now=now)[0] == "09:15+0100"
    # Horizon: seven local days ahead at the same wall-clock time (Monday 07:40).
    assert starts(tenant_a, setup, date(2027, 3, 8), now=now) == []
    assert starts(tenant_a, setup, date(2027, 3, 5), now=now)


SUNDAY_NIGHT = [(6, time(1), time(4))]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Spring forward (28 March 2027, 02:00 → 03:00): 02:xx does not exist and is skipped.
        (
            date(2027, 3, 28),
            [
                "01:00+0100",
                "01:15+0100",
                "01:30+0100",
                "01:45+0100",
                "03:00+0200",
                "03:15+0200",
                "03:30+0200",
            ],
        ),
        # Fall back (31 October 2027, 03:00 → 02:00): 02:xx is offered once, in summer time.
        (
            date(2027, 10, 31),
            [
                "01:00+0200",
                "01:15+0200",
                "01:30+0200",
                "01:45+0200",
                "02:00+0200",
                "02:15+0200",
                "02:30+0200",
                "02:45+0200",
                "03:00+0100",
                "03:15+0100",
                "03:30+0100",
            ],
        ),
    ],
)
def test_dst_days_keep_the_wall_clock_grid(tenant_a, day, expected):
    with tenant_a.schema():
        setup = booking_setup(windows=SUNDAY_NIGHT, horizon=365)
    assert starts(tenant_a, setup, day, now=at(2027, 3, 1, 12)) == expected


def test_the_grid_is_the_same_wall_clock_time_before_and_after_dst(tenant_a):
    with tenant_a.schema():
        setup = booking_setup(horizon=365)
        # A booking on the Wednesday after the change (28 March 2027; the Friday before and
        # the Monday after are Easter holidays) blocks 08:00-08:30 local, 06:00Z.
        hold(setup, at(2027, 3, 31, 8), at(2027, 3, 31, 8, 30))
    before = starts(tenant_a, setup, date(2027, 3, 24))
    after = starts(tenant_a, setup, date(2027, 3, 31))
    assert before[0] == "08:00+0100"
    assert after[0] == "08:45+0200"  # 08:00 booked, 08:15/08:30 collide with it or its buffer
    assert [s[:5] for s in before][3:] == [s[:5] for s in after]
