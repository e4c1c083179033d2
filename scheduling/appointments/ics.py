"""iCalendar (RFC 5545 / iTIP RFC 5546) files for appointment mails.

- Times are written in UTC (`DTSTART:20270329T070000Z`): unambiguous across DST and
  understood by every client without a VTIMEZONE block.
- The UID is the appointment's reference at the municipality's host. It stays the same
  for the confirmation, every reschedule and the cancellation (a reschedule keeps the
  reference), so calendar clients update or remove the one entry they have.
- `SEQUENCE` counts the revisions: 0 for the booking, n after the n-th reschedule, one
  more for the cancellation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Virtuelles Buergerbuero//Termine//DE"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def appointment_uid(*, reference: str, host: str) -> str:
    return f"{reference}@{host}"


def appointment_ics(
    *,
    uid: str,
    method: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str = "",
    description: str = "",
    organizer_email: str,
    organizer_name: str = "",
    attendee_email: str = "",
    attendee_name: str = "",
    url: str = "",
    stamp: datetime | None = None,
) -> bytes:
    """One VEVENT in a VCALENDAR with `METHOD` REQUEST (booked, moved) or CANCEL."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"unsupported iTIP method {method!r}")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    if organizer_name:
        organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        if attendee_name:
            attendee.params["cn"] = vText(attendee_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical()
