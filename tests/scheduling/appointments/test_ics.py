"""The calendar files of the appointment mails, parsed back with icalendar: one UID for the
whole life of an appointment, METHOD REQUEST/CANCEL, SEQUENCE, times right across DST."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail

from scheduling.appointments.ics import CANCEL, REQUEST, appointment_ics
from scheduling.appointments.services import (
    Citizen,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from tests.scheduling.appointments.test_booking_support import at, booking_setup, ics_of

NOW = at(2027, 3, 15, 12)  # two weeks before the spring change of 28 March 2027
CITIZEN = Citizen(name="Erika Mustermann", email="erika@example.org")


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup(horizon=365)


def only_event(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_uid_stays_while_method_and_sequence_follow_the_appointments_life(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        # Wednesday 24 March, winter time: 09:00 local is 08:00 UTC.
        booked = appointment_book(
            tenant=tenant_a.tenant,
            office=setup_a.office,
            service=setup_a.service,
            start=at(2027, 3, 24, 9),
            mode="in_person",
            citizen=CITIZEN,
            now=NOW,
        )
    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        # Moved to Wednesday 31 March, summer time: 09:00 local is 07:00 UTC.
        moved = appointment_reschedule(
            tenant=tenant_a.tenant,
            appointment=booked.appointment,
            start=at(2027, 3, 31, 9),
            manage_token=booked.manage_token,
            now=NOW,
        )
    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=moved, now=NOW)

    confirmation, rescheduled, cancellation = (ics_of(m) for m in mail.outbox)
    events = [only_event(c) for c in (confirmation, rescheduled, cancellation)]
    assert [str(c["METHOD"]) for c in (confirmation, rescheduled, cancellation)] == [
        REQUEST,
        REQUEST,
        CANCEL,
    ]
    assert len({str(e["UID"]) for e in events}) == 1
    assert str(events[0]["UID"]) == f"{booked.appointment.reference}@alpha-stadt.localhost"
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]

    assert events[0].start == datetime(2027, 3, 24, 8, 0, tzinfo=UTC)
    assert events[0].end == datetime(2027, 3, 24, 8, 30, tzinfo=UTC)
    assert events[1].start == datetime(2027, 3, 31, 7, 0, tzinfo=UTC)
    assert events[1].DTSTART.astimezone(at(2027, 3, 31).tzinfo).hour == 9
    assert events[2].start == events[1].DTSTART
    # Times are written in UTC, so no VTIMEZONE is needed.
    assert b"DTSTART:20270331T070000Z" in rescheduled.to_ical()
    assert str(events[0]["ORGANIZER"]).startswith("mailto:")
    assert str(events[0]["ATTENDEE"]) == "mailto:erika@example.org"


def test_fall_back_day_times_are_the_right_instants(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    # Monday 1 November 2027 (day after fall back; a holiday in Bavaria: use Tuesday).
    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            tenant=tenant_a.tenant,
            office=setup_a.office,
            service=setup_a.service,
            start=at(2027, 11, 2, 11, 30),
            mode="video",
            citizen=CITIZEN,
            now=at(2027, 10, 20, 12),
        )
    event = only_event(ics_of(mail.outbox[0]))
    assert event.start == datetime(2027, 11, 2, 10, 30, tzinfo=UTC)
    assert event.end == datetime(2027, 11, 2, 11, 0, tzinfo=UTC)


def test_the_ics_attachment_has_the_itip_content_type(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    with tenant_a.schema(), django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            tenant=tenant_a.tenant,
            office=setup_a.office,
            service=setup_a.service,
            start=at(2027, 3, 24, 10),
            mode="in_person",
            citizen=CITIZEN,
            now=NOW,
        )
    [(name, _content, mimetype)] = mail.outbox[0].attachments
    assert name == "termin.ics"
    assert mimetype.startswith("text/calendar; method=REQUEST")


def test_ics_builder_refuses_unknown_methods():
    with pytest.raises(ValueError, match="PUBLISH"):
        appointment_ics(
            uid="x@y",
            method="PUBLISH",
            sequence=0,
            start=NOW,
            end=NOW,
            summary="x",
            organizer_email="a@b.example",
        )
