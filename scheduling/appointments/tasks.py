"""Celery tasks of appointments. Beat runs the periodic ones in every municipality's schema
(CELERY_BEAT_SCHEDULE entries without `tenant_schemas`); the mail task runs in the schema it
was queued from. They only call services."""

from __future__ import annotations

from celery import shared_task

from scheduling.appointments.mail_tasks import mail_retry_countdown, send_appointment_mail
from scheduling.appointments.services import (
    appointment_reminders_send,
    appointment_video_sessions_open,
)

__all__ = [
    "mail_retry_countdown",
    "open_appointment_video_sessions",
    "send_appointment_mail",
    "send_appointment_reminders",
]


# Task names keep the module path they were first registered under: beat entries and messages
# waiting in the broker carry them.
@shared_task(name="scheduling.booking_tasks.send_appointment_reminders")
def send_appointment_reminders() -> int:
    """Reminder mails 24 h ahead; exactly once even when two runs overlap."""
    return appointment_reminders_send()


@shared_task(name="scheduling.booking_tasks.open_appointment_video_sessions")
def open_appointment_video_sessions() -> int:
    """Open the meetings of video appointments starting within the next ~10 minutes."""
    return appointment_video_sessions_open()
