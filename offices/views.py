"""Citizen pages of a municipality: the office overview and one office."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_noop

from offices import selectors
from offices.holidays import holiday_name
from platform_core.dates import add_years

# German source strings, translated where they are shown ({% translate day.label %}).
WEEKDAYS = [
    gettext_noop("Montag"),
    gettext_noop("Dienstag"),
    gettext_noop("Mittwoch"),
    gettext_noop("Donnerstag"),
    gettext_noop("Freitag"),
    gettext_noop("Samstag"),
    gettext_noop("Sonntag"),
]


def office_overview(request: HttpRequest) -> HttpResponse:
    statuses = selectors.office_statuses(tenant=request.tenant)
    return render(request, "offices/overview.html", {"statuses": statuses})


def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.office_status_get(tenant=request.tenant, slug=slug)
    if found is None:
        raise Http404
    office = found.office
    week = []
    windows = list(office.opening_windows.all())
    for day, label in enumerate(WEEKDAYS):
        day_windows = [w for w in windows if w.weekday == day]
        week.append({"label": label, "windows": day_windows})
    today = timezone.localdate(timezone=ZoneInfo(request.tenant.time_zone))
    closures = [c for c in office.closures.all() if c.end_date >= today]
    year_ahead = add_years(today, 1)
    upcoming_holidays = sorted(d for d in found.calendar.holidays if today <= d <= year_ahead)[:5]
    return render(
        request,
        "offices/detail.html",
        {
            "s": found,
            "office": office,
            "week": week,
            "closures": closures,
            "services": [s for s in office.services.all() if s.is_active],
            "holidays": [(d, holiday_name(request.tenant.state, d)) for d in upcoming_holidays],
            "can_join": found.can_join,
            "room_full": found.status != "closed" and found.waiting_room_full,
        },
    )
