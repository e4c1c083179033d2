"""One row of an official's day plan: an appointment, blocked time, or (added by the waiting
room, scheduling.queue.dayplan) a ticket they handled. The staff console shows the rows; the
day plan API (`GET /api/staff/appointments/`) sends `as_dict()`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import Model

from offices.models import Office, Service
from platform_core.tenancy import local_tz
from scheduling.appointments.models import Appointment

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
    ticket: Model | None = None  # a waiting-room ticket (scheduling.queue)
    # The kind of the appointment's last mail if it finally failed: the citizen was not
    # reached (see booking_selectors.with_mail_failed).
    mail_failed: str | None = None

    @property
    def row(self) -> Model:
        row = self.appointment or self.ticket
        assert row is not None, "a day plan entry is an appointment or a ticket"
        return row

    def as_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
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
            "id": self.row.pk,
            "mail_failed": self.mail_failed,
        }


def appointment_entry(appointment: Appointment) -> DayPlanEntry:
    """The day plan row of an appointment or a blocked time (with `mail_failed` when the
    queryset was annotated by selectors.with_mail_failed)."""
    is_block = appointment.kind == Appointment.Kind.BLOCK
    return DayPlanEntry(
        kind=BLOCK if is_block else APPOINTMENT,
        start=appointment.start,
        end=appointment.end,
        mode=appointment.mode,
        status=appointment.status,
        office=appointment.office,
        service=appointment.service,
        label=appointment.reference,
        name="" if is_block else appointment.name,
        appointment=appointment,
        mail_failed=getattr(appointment, "mail_failed", None),
    )
