"""Builders shared by the booking tests (imported as
`tests.scheduling.appointments.test_booking_support`; this module holds no tests itself)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from offices.holidays import holiday_dates
from offices.models import Office, Service, StaffMember
from tests.offices.factories import WEEKDAY_MORNINGS, make_office, make_official, make_service

BERLIN = ZoneInfo("Europe/Berlin")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


@dataclass
class BookingSetup:
    office: Office
    service: Service
    officials: list[StaffMember]


def booking_setup(
    *,
    slug: str = "buergerbuero",
    officials: int = 1,
    duration: int = 30,
    windows=WEEKDAY_MORNINGS,
    video: bool = True,
    in_person: bool = True,
    lead: int = 60,
    horizon: int = 90,
    service_slug: str = "ausweis",
    **office_fields,
) -> BookingSetup:
    """An office with one service and `officials` officials serving it (call in a schema)."""
    office = make_office(
        slug, windows=windows, min_lead_minutes=lead, booking_horizon_days=horizon, **office_fields
    )
    service = make_service(
        office,
        service_slug,
        name="Personalausweis",
        duration_minutes=duration,
        offers_video=video,
        offers_in_person=in_person,
    )
    members = [make_official(office) for _ in range(officials)]
    return BookingSetup(office=office, service=service, officials=members)


def working_day(min_days_ahead: int = 7, *, weekday: int = 1) -> date:
    """The first given weekday (default Tuesday) at least `min_days_ahead` days from today that
    is no public holiday in Bavaria or Berlin. Always the same weekday, whatever today is: a
    test written for mornings only must not meet a Thursday afternoon (WEEKDAY_MORNINGS)."""
    day = timezone.localdate(timezone.now(), BERLIN) + timedelta(days=min_days_ahead)
    closed = holiday_dates("BY", {day.year, day.year + 1}) | holiday_dates(
        "BE", {day.year, day.year + 1}
    )
    while day.weekday() != weekday or day in closed:
        day += timedelta(days=1)
    return day


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN)


def booking_body(setup: BookingSetup, when: datetime, **overrides) -> dict:
    body = {
        "office": setup.office.slug,
        "service": setup.service.slug,
        "start": when.isoformat(),
        "mode": "in_person",
        "name": "Erika Mustermann",
        "email": "erika@example.org",
        "phone": "+49 9471 1234",
    }
    body.update(overrides)
    return body


def post_json(client, path: str, body: dict, **extra):
    return client.post(path, body, content_type="application/json", **extra)


def ics_of(message: EmailMessage) -> Calendar:
    """The .ics attachment of a sent mail, parsed back."""
    for name, content, mimetype in message.attachments:
        if name.endswith(".ics"):
            assert mimetype.startswith("text/calendar")
            return Calendar.from_ical(content)
    raise AssertionError("no .ics attachment")


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]
