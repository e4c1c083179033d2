"""Reads of the offices' configuration: presence counts, the opening calendar, officials.

The live status citizens see (open, busy or closed, the waiting room's count and estimate)
needs the waiting room's tickets and is computed where they live:
scheduling.queue.office_status, built on the presence counts and the calendar below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from offices.calendar import OfficeCalendar
from offices.holidays import holiday_dates
from offices.models import Closure, LocalHoliday, Mode, Office, Service, StaffMember


def presence_cutoff(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.PRESENCE_STALE_MINUTES)


def _staff_count(**filters: Any) -> Coalesce:
    # One row per office via GROUP BY on the through table, counted in a subquery so that
    # the several counts never multiply each other's joins.
    qs = (
        StaffMember.objects.filter(offices=OuterRef("pk"), user__is_active=True, **filters)
        .values("offices")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(qs[:1], output_field=IntegerField()), 0)


def office_presence_queryset(*, now: datetime, with_services: bool = False) -> QuerySet[Office]:
    """Offices with their officials' presence counted (fresh presence only, active accounts
    only): `free_video` (available for video), `serving_video` (available or busy, by video)
    and `video_minutes` (the mean duration of the active video services); opening windows and
    current closures prefetched for build_calendar. One query however many offices."""
    cutoff = presence_cutoff(now)
    today = timezone.localdate(now)
    qs = Office.objects.annotate(
        free_video=_staff_count(
            presence=StaffMember.Presence.AVAILABLE, mode=Mode.VIDEO, last_seen_at__gte=cutoff
        ),
        serving_video=_staff_count(
            presence__in=[StaffMember.Presence.AVAILABLE, StaffMember.Presence.BUSY],
            mode=Mode.VIDEO,
            last_seen_at__gte=cutoff,
        ),
        video_minutes=Subquery(
            Service.objects.filter(office=OuterRef("pk"), is_active=True, offers_video=True)
            .values("office")
            .annotate(avg=Avg("duration_minutes"))
            .values("avg")[:1],
            output_field=FloatField(),
        ),
    ).prefetch_related(
        "opening_windows",
        Prefetch("closures", queryset=Closure.objects.filter(end_date__gte=today - timedelta(1))),
    )
    if with_services:
        qs = qs.prefetch_related("services")
    return qs


def holidays_around(*, state: str, now: datetime) -> frozenset[date]:
    """The public holidays of `state` and the municipality's local holidays, this year and
    next."""
    years = {now.year, now.year + 1}
    local = LocalHoliday.objects.filter(date__year__in=years).values_list("date", flat=True)
    return holiday_dates(state, years, local)


def build_calendar(office: Office, *, tz_name: str, holidays: frozenset[date]) -> OfficeCalendar:
    return OfficeCalendar.build(
        tz_name,
        [(w.weekday, w.start, w.end) for w in office.opening_windows.all()],
        [(c.start_date, c.end_date) for c in office.closures.all()],
        holidays,
    )


def staff_member_of(user: Any) -> StaffMember | None:
    return StaffMember.objects.filter(user=user).prefetch_related("offices").first()
