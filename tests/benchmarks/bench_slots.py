"""Issue 6: free slots for four weeks of an office with 10 officials and 500 existing bookings,
through the whole Django layer (booking_selectors.free_slots: five queries plus the slot
engine). Baseline in the same run, timed alternately with it: fetching just those 500
bookings with the ORM. Target: median < 50 ms (recorded); the test fails above 3x the fetch.

Also recorded: the slots API end to end against a bare Django view (/healthz).

Runs inside a test transaction (rolled back afterwards), so it leaves nothing behind."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from time import perf_counter

import pytest
from django.utils import timezone

from scheduling.appointments.models import Appointment
from scheduling.appointments.selectors import busy_intervals, free_slots, local_day_bounds
from tests.benchmarks._util import Stats, measure, record
from tests.scheduling.appointments.test_booking_support import BERLIN, booking_setup

OFFICIALS = 10
BOOKINGS = 500
DAYS = 28


def interleaved(a, b, *, n: int, warmup: int) -> tuple[Stats, Stats]:
    """Time two callables alternately, so both see the same machine load."""
    for _ in range(warmup):
        a()
        b()
    samples_a, samples_b = [], []
    for _ in range(n):
        started = perf_counter()
        a()
        samples_a.append(perf_counter() - started)
        started = perf_counter()
        b()
        samples_b.append(perf_counter() - started)
    return Stats.of(samples_a), Stats.of(samples_b)


@pytest.mark.django_db
def test_four_weeks_of_slots_with_500_bookings(tenant_a):
    today = timezone.localdate(timezone.now(), BERLIN)
    first = today + timedelta(days=7 - today.weekday())  # next Monday
    last = first + timedelta(days=DAYS - 1)
    with tenant_a.schema():
        setup = booking_setup(officials=OFFICIALS, horizon=90)
        rows = []
        # Three 30-minute bookings a morning (08:00, 09:00, 10:00) per official and working
        # day, until there are 500: 2.5 per official-day, spread over the four weeks.
        for hour in (8, 9, 10):
            for offset in range(DAYS):
                day = first + timedelta(days=offset)
                if day.weekday() > 4:
                    continue
                for official in setup.officials:
                    start = datetime.combine(day, time(hour), tzinfo=BERLIN)
                    rows.append(
                        Appointment(
                            reference=f"B{len(rows):07d}",
                            office=setup.office,
                            service=setup.service,
                            official=official,
                            start=start,
                            end=start + timedelta(minutes=30),
                            blocked_until=start + timedelta(minutes=35),
                            name="Bench",
                            email="bench@example.org",
                        )
                    )
        Appointment.objects.bulk_create(rows[:BOOKINGS])
        ids = [o.pk for o in setup.officials]
        since, until = local_day_bounds(first - timedelta(days=1), last + timedelta(days=1), BERLIN)
        now = timezone.now()

        def slots():
            return free_slots(
                tenant=tenant_a.tenant,
                office=setup.office,
                service=setup.service,
                date_from=first,
                date_to=last,
                now=now,
            )

        def bookings_only():
            # The plain ORM fetch of the same bookings the selector loads.
            return list(
                Appointment.objects.filter(
                    official_id__in=ids,
                    status__in=Appointment.HOLDING,
                    start__lt=until,
                    blocked_until__gt=since,
                ).values_list("official_id", "start", "blocked_until")
            )

        found = slots()
        assert len(bookings_only()) == BOOKINGS
        assert (
            sum(len(v) for v in busy_intervals(ids, since=since, until=until).values()) == BOOKINGS
        )
        assert found and all(s.start.date() <= last for s in found)
        slot_stats, fetch_stats = interleaved(slots, bookings_only, n=80, warmup=5)

    client = tenant_a.client()
    url = (
        f"/api/offices/{setup.office.slug}/slots/?from={first}&to={last}"
        f"&service={setup.service.slug}"
    )
    assert client.get(url).status_code == 200
    api_stats = measure(lambda: client.get(url), n=40, warmup=5)
    bare_stats = measure(lambda: client.get("/healthz"), n=200, warmup=20)

    record(
        "slots_4_weeks_10_officials_500_bookings",
        slots=slot_stats,
        bookings_fetch=fetch_stats,
        slots_count=len(found),
        ratio_to_fetch=slot_stats.p50_ms / fetch_stats.p50_ms,
        target_ms=50.0,
        within_target=slot_stats.p50_ms < 50.0,
    )
    record(
        "slots_api_vs_bare_view",
        slots_api=api_stats,
        bare=bare_stats,
        latency_ratio=api_stats.p50_ms / bare_stats.p50_ms,
    )
    # Ratios are what this machine can compare from run to run (other work shares its two
    # cores); the absolute target is recorded above as within_target.
    assert slot_stats.p50_ms / fetch_stats.p50_ms < 3.0
