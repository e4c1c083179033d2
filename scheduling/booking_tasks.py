"""Celery tasks of appointments. Beat runs them in every municipality's schema
(CELERY_BEAT_SCHEDULE entries without `tenant_schemas`); they only call services."""

from celery import shared_task

from scheduling.booking_services import (
    appointment_reminders_send,
    appointment_video_sessions_open,
)

__all__ = ["open_appointment_video_sessions", "send_appointment_reminders"]


@shared_task
def send_appointment_reminders() -> int:
    """Reminder mails 24 h ahead; exactly once even when two runs overlap."""
    return appointment_reminders_send()


@shared_task
def open_appointment_video_sessions() -> int:
    """Open the meetings of video appointments starting within the next ~10 minutes."""
    return appointment_video_sessions_open()
