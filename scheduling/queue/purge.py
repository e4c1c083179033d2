"""Deletion after use (CONTRACT.md §2), for the waiting room and appointments together (the
command, the beat task and one audit row): citizen data older than the municipality's retention
period is anonymised - tickets by the moment they ended, appointments by their end. The rows
themselves stay (numbers, times and durations feed statistics and the waiting-time
estimate), but nothing in them points at a person any more."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from platform_core.audit import audit
from scheduling.appointments.purge import appointments_anonymise
from scheduling.queue.models import Ticket

DEFAULT_RETENTION_DAYS = 30


@dataclass
class PurgeResult:
    tickets: int = 0
    appointments: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@transaction.atomic
def personal_data_purge(
    *, retention_days: int | None = None, now: datetime | None = None
) -> PurgeResult:
    """Anonymise, in the current municipality's schema, tickets that ended (or, should one
    never have ended, were drawn) and appointments that ended more than `retention_days`
    ago: name, e-mail, phone (and an appointment's note and manage token) are blanked and
    `anonymised_at` is set. Idempotent: anonymised rows are not touched again."""
    now = now or timezone.now()
    days = DEFAULT_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    tickets = (
        Ticket.objects.filter(anonymised_at__isnull=True)
        .alias(ended=Coalesce("finished_at", "created_at"))
        .filter(ended__lt=cutoff)
    )
    ticket_count = tickets.update(name="", email="", phone="", anonymised_at=now)
    appointment_count = appointments_anonymise(cutoff=cutoff, now=now)
    result = PurgeResult(tickets=ticket_count, appointments=appointment_count)
    if ticket_count or appointment_count:
        audit(
            acting_user=None,
            action="privacy.purge",
            object_type="scheduling",
            changes={"retention_days": days, **result.as_dict()},
        )
    return result
