"""Deletion after use for appointments (scheduling.queue.purge runs it with the tickets)."""

from __future__ import annotations

from datetime import datetime

from scheduling.appointments.models import Appointment


def appointments_anonymise(*, cutoff: datetime, now: datetime) -> int:
    """Blank name, e-mail, phone, note and manage token of the appointments that ended before
    `cutoff` and set `anonymised_at`; anonymised rows are not touched again. Returns how many."""
    appointments = Appointment.objects.filter(anonymised_at__isnull=True, end__lt=cutoff)
    return appointments.update(
        name="", email="", phone="", note="", manage_token_hash="", anonymised_at=now
    )
