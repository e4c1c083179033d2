"""An official's day: their appointments (and blocked time) interleaved with the waiting-room
tickets they handled, in time order. Read by the staff console; reusable for
`GET /api/staff/appointments/` (each entry has `as_dict()`).

The day is the municipality's local calendar day - 23 or 25 hours long when the clocks change
- and an appointment belongs to it when it overlaps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from django.db.models import Q

from offices.models import Office, Service, StaffMember
from platform_core.tenancy import local_day_bounds, local_tz
from scheduling.booking_selectors import with_mail_failed
from scheduling.models import Appointment, Ticket

APPOINTMENT, BLOCK, TICKET = "appointment", "block", "ticket"


@dataclass(frozen=True)
class DayPlanEntry:
    kind: str  # appointment, block or ticket
    start: datetime  # appointment start; for a ticket the moment it was called
    end: datetime | None  # appointment end; for a ticket when it finished (None: still on)
    mode: str  # video or in_person
    status: str  # the appointment's or the ticket's status
    office: Office
    service: Service | None
    label: str  # the appointment's reference or the ticket's number
    name: str  # the citizen's name where given ("" for blocks)
    appointment: Appointment | None = None
    ticket: Ticket | None = None
    # The kind of the appointment's last mail if it finally failed: the citizen was not
    # reached (see booking_selectors.with_mail_failed).
    mail_failed: str | None = None

    def as_dict(self, tz: tzinfo | None = None) -> dict:
        """JSON-ready; times in `tz` (default: the municipality's time zone) with offset."""
        tz = tz or local_tz()
        return {
            "kind": self.kind,
            "start": self.start.astimezone(tz).isoformat(),
            "end": self.end.astimezone(tz).isoformat() if self.end else None,
            "mode": self.mode,
            "status": self.status,
            "office": self.office.slug,
            "service": self.service.slug if self.service else None,
            "service_name": self.service.name if self.service else None,
            "label": self.label,
            "name": self.name,
            "id": (self.appointment or self.ticket).pk,
            "mail_failed": self.mail_failed,
        }


def day_plan(*, member: StaffMember, day: date) -> list[DayPlanEntry]:
    """The official's appointments and blocked time overlapping the local `day` (cancelled
    ones left out) and the tickets they called that day, ordered by time. Three queries."""
    since, until = local_day_bounds(day)
    entries: list[DayPlanEntry] = []
    appointments = (
        with_mail_failed(
            Appointment.objects.filter(official=member, start__lt=until, end__gt=since)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("office", "service")
    )
    for a in appointments:
        is_block = a.kind == Appointment.Kind.BLOCK
        entries.append(
            DayPlanEntry(
                kind=BLOCK if is_block else APPOINTMENT,
                start=a.start,
                end=a.end,
                mode=a.mode,
                status=a.status,
                office=a.office,
                service=a.service,
                label=a.reference,
                name="" if is_block else a.name,
                appointment=a,
                mail_failed=a.mail_failed,
            )
        )
    tickets = (
        Ticket.objects.filter(official=member)
        .filter(Q(called_at__gte=since, called_at__lt=until))
        .select_related("office", "service")
    )
    for t in tickets:
        entries.append(
            DayPlanEntry(
                kind=TICKET,
                start=t.called_at,
                end=t.finished_at,
                mode=t.mode,
                status=t.status,
                office=t.office,
                service=t.service,
                label=t.number,
                name=t.name,
                ticket=t,
            )
        )
    entries.sort(key=lambda e: (e.start, e.kind != TICKET, e.label))
    return entries
