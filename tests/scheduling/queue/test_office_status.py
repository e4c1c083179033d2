"""Office status at the boundaries: opening and closing, closures, holidays of the state,
DST changes, presence and staleness."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from offices.models import Closure, LocalHoliday
from offices.services import presence_expire_stale, presence_set
from scheduling.queue.office_status import office_status_get, office_statuses
from tests.offices.factories import make_office, make_official

BERLIN = ZoneInfo("Europe/Berlin")


def at(y, m, d, hh, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=BERLIN)


def status(tenant_ctx, slug, now):
    with tenant_ctx.schema():
        return office_status_get(tenant=tenant_ctx.tenant, slug=slug, now=now)


@pytest.fixture
def office_a(tenant_a):
    with tenant_a.schema():
        office = make_office("buergerbuero")
        make_official(office, presence="available", mode="video", last_seen_at=at(2027, 3, 1, 8))
    return office


# 2027-03-01 is a Monday.
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2027, 3, 1, 7, 59, 59), "closed"),
        (at(2027, 3, 1, 8, 0, 0), "open"),
        (at(2027, 3, 1, 11, 59, 59), "open"),
        (at(2027, 3, 1, 12, 0, 0), "closed"),
        (at(2027, 3, 4, 15, 0), "open"),  # Thursday afternoon window
        (at(2027, 3, 5, 15, 0), "closed"),  # Friday afternoon: no window
        (at(2027, 3, 6, 9, 0), "closed"),  # Saturday
    ],
)
def test_status_just_before_and_after_opening(tenant_a, office_a, moment, expected):
    with tenant_a.schema():
        from offices.models import StaffMember

        StaffMember.objects.update(last_seen_at=moment)  # the official's console is alive
    assert status(tenant_a, "buergerbuero", moment).status == expected


def test_next_opening_respects_closures_with_local_offset(tenant_a, office_a):
    with tenant_a.schema():
        Closure.objects.create(
            office=office_a,
            start_date=date(2027, 3, 2),
            end_date=date(2027, 3, 3),
            reason="Betriebsausflug",
        )
    s = status(tenant_a, "buergerbuero", at(2027, 3, 1, 13))
    assert s.status == "closed"
    assert s.next_opening.isoformat() == "2027-03-04T08:00:00+01:00"


def test_closed_on_a_closure_day(tenant_a, office_a):
    with tenant_a.schema():
        Closure.objects.create(
            office=office_a, start_date=date(2027, 3, 1), end_date=date(2027, 3, 1)
        )
    assert status(tenant_a, "buergerbuero", at(2027, 3, 1, 9)).status == "closed"


def test_epiphany_is_a_holiday_in_bavaria_but_a_working_day_in_berlin(tenant_a, tenant_b):
    moment = at(2027, 1, 6, 9)  # a Wednesday
    for ctx in (tenant_a, tenant_b):
        with ctx.schema():
            office = make_office("rathaus")
            make_official(office, presence="available", last_seen_at=moment)
    bavaria = status(tenant_a, "rathaus", moment)
    berlin = status(tenant_b, "rathaus", moment)
    assert bavaria.status == "closed"
    assert bavaria.next_opening.isoformat() == "2027-01-07T08:00:00+01:00"
    assert berlin.status == "open"


def test_local_holiday_closes_every_office(tenant_a, office_a):
    with tenant_a.schema():
        LocalHoliday.objects.create(date=date(2027, 3, 1), name="Stadtfest")
    assert status(tenant_a, "buergerbuero", at(2027, 3, 1, 9)).status == "closed"


@pytest.mark.parametrize(
    ("day", "offset_before", "offset_after"),
    [
        # Spring forward: Sunday 28 March 2027; Monday the 29th opens in summer time.
        (date(2027, 3, 26), "+01:00", "+02:00"),
        # Fall back: Sunday 31 October 2027; Monday 1 November is All Saints' (holiday in BY).
        (date(2027, 10, 29), "+02:00", "+01:00"),
    ],
)
def test_next_opening_across_dst_changes(tenant_a, office_a, day, offset_before, offset_after):
    friday_evening = datetime.combine(day, time(13), BERLIN)
    s = status(tenant_a, "buergerbuero", friday_evening)
    assert s.status == "closed"
    assert s.next_opening.utcoffset() != friday_evening.utcoffset()
    assert s.next_opening.isoformat().endswith(offset_after)
    assert friday_evening.isoformat().endswith(offset_before)
    assert s.next_opening.time() == time(8)


def test_status_on_the_dst_sunday_windows(tenant_a):
    # A (weird) Sunday window 01:00-04:00 across the spring-forward jump is open at 03:30 CEST
    with tenant_a.schema():
        make_office("nacht", windows=[(6, time(1), time(4))])
        make_official(
            *__import__("offices.models", fromlist=["Office"]).Office.objects.filter(slug="nacht"),
            presence="available",
            last_seen_at=at(2027, 3, 28, 3, 30),
        )
    s = status(tenant_a, "nacht", at(2027, 3, 28, 3, 30))
    assert s.status == "open"
    assert s.open_until.isoformat() == "2027-03-28T04:00:00+02:00"


def test_busy_when_every_official_is_in_a_session(tenant_a, office_a):
    moment = at(2027, 3, 1, 9)
    with tenant_a.schema():
        from offices.models import StaffMember

        member = StaffMember.objects.get()
        presence_set(member=member, presence="busy", now=moment)
    assert status(tenant_a, "buergerbuero", moment).status == "busy"
    with tenant_a.schema():
        presence_set(member=member, presence="available", now=moment)
    assert status(tenant_a, "buergerbuero", moment).status == "open"


def test_official_serving_in_person_does_not_make_the_video_office_open(tenant_a, office_a):
    moment = at(2027, 3, 1, 9)
    with tenant_a.schema():
        from offices.models import StaffMember

        presence_set(
            member=StaffMember.objects.get(), presence="available", mode="in_person", now=moment
        )
    assert status(tenant_a, "buergerbuero", moment).status == "busy"


def test_stale_presence_counts_as_away(tenant_a, office_a, settings):
    settings.PRESENCE_STALE_MINUTES = 10
    seen = at(2027, 3, 1, 9)
    with tenant_a.schema():
        from offices.models import StaffMember

        presence_set(member=StaffMember.objects.get(), presence="available", now=seen)
    assert status(tenant_a, "buergerbuero", seen + timedelta(minutes=9)).status == "open"
    assert status(tenant_a, "buergerbuero", seen + timedelta(minutes=11)).status == "busy"
    with tenant_a.schema():
        assert presence_expire_stale(now=seen + timedelta(minutes=11)) == 1
        assert StaffMember.objects.get().presence == "away"


def test_office_list_costs_a_fixed_number_of_queries(tenant_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    moment = at(2027, 3, 1, 9)

    def count_queries() -> int:
        with tenant_a.schema(), CaptureQueriesContext(connection) as ctx:
            office_statuses(tenant=tenant_a.tenant, now=moment)
        return len(ctx.captured_queries)

    with tenant_a.schema():
        make_office("eins")
    one = count_queries()
    with tenant_a.schema():
        for i in range(12):
            office = make_office(f"amt-{i}")
            make_official(office, presence="available", last_seen_at=moment)
            Closure.objects.create(
                office=office, start_date=date(2027, 4, 1), end_date=date(2027, 4, 2)
            )
    assert count_queries() == one
    assert one <= 6


def test_office_list_cache_is_per_municipality_and_invalidated_by_writes(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    with tenant_a.schema():
        make_office("nur-in-a")
    with tenant_b.schema():
        make_office("nur-in-b")
    assert [o["slug"] for o in tenant_a.client().get("/api/offices/").json()] == ["nur-in-a"]
    assert [o["slug"] for o in tenant_b.client().get("/api/offices/").json()] == ["nur-in-b"]
    from offices.models import Office
    from offices.services import office_update

    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        office_update(
            office=Office.objects.get(slug="nur-in-a"), acting_user=None, name="Umbenannt"
        )
    assert tenant_a.client().get("/api/offices/").json()[0]["name"] == "Umbenannt"
