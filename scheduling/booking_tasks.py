"""Celery tasks of appointments. Beat runs the periodic ones in every municipality's schema
(CELERY_BEAT_SCHEDULE entries without `tenant_schemas`); the mail task runs in the schema it
was queued from. They only call services."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings

from scheduling import booking_mail
from scheduling.booking_services import (
    appointment_mail_deliver,
    appointment_mail_failed,
    appointment_reminders_send,
    appointment_video_sessions_open,
)

__all__ = [
    "open_appointment_video_sessions",
    "send_appointment_mail",
    "send_appointment_reminders",
]

logger = logging.getLogger(__name__)


@shared_task
def send_appointment_reminders() -> int:
    """Reminder mails 24 h ahead; exactly once even when two runs overlap."""
    return appointment_reminders_send()


@shared_task
def open_appointment_video_sessions() -> int:
    """Open the meetings of video appointments starting within the next ~10 minutes."""
    return appointment_video_sessions_open()


def mail_retry_countdown(retries: int) -> float:
    """Exponential backoff: BOOKING_MAIL_RETRY_SECONDS, then twice that, four times …, each
    within ±20 % so the mails held back by an outage do not all come back at once."""
    base = settings.BOOKING_MAIL_RETRY_SECONDS * 2**retries
    return base * random.uniform(0.8, 1.2)


@shared_task(bind=True, max_retries=None)
def send_appointment_mail(self, *, mail_id: int, manage_token: str = "", message: str = "") -> bool:
    """Send one recorded appointment mail (`AppointmentMail`). A mail server that is down or
    busy is tried again BOOKING_MAIL_MAX_RETRIES times with exponential backoff; then, or at
    once for an error that no retry cures, the mail is recorded as failed for the staff."""
    try:
        return appointment_mail_deliver(mail_id=mail_id, manage_token=manage_token, message=message)
    except Exception as exc:
        retries = self.request.retries
        if booking_mail.error_is_transient(exc) and retries < settings.BOOKING_MAIL_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=mail_retry_countdown(retries)) from exc
        appointment_mail_failed(mail_id=mail_id, error=exc)
        return False
