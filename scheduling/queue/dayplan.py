"""An official's day: their appointments (and blocked time) interleaved with the waiting-room
tickets they handled, in time order. Read by the staff console; reusable for
`GET /api/staff/appointments/` (each entry has `as_dict()`).

The day is the municipality's local calendar day - 23 or 25 hours long when the clocks change
- and an appointment belongs to it when it overlaps it."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from offices.models import StaffMember
from platform_core.tenancy import local_day_bounds
from scheduling.appointments.dayplan import TICKET, DayPlanEntry, appointment_entry
from scheduling.appointments.models import Appointment
from scheduling.appointments.selectors import with_mail_failed
from scheduling.queue.models import Ticket


def day_plan(*, member: StaffMember, day: date) -> list[DayPlanEntry]:
    """The official's appointments and blocked time overlapping the local `day` (cancelled
    ones left out) and the tickets they called that day, ordered by time. Three queries."""
    since, until = local_day_bounds(day)
    appointments = (
        with_mail_failed(
            Appointment.objects.filter(official=member, start__lt=until, end__gt=since)
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("office", "service")
    )
    entries: list[DayPlanEntry] = [appointment_entry(a) for a in appointments]
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
