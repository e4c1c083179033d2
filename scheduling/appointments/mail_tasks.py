"""The Celery task that sends one recorded appointment mail (queued by
scheduling.appointments.services.appointment_mail_queue after the write commits). Apart from the
periodic tasks so that the services can queue it without importing them."""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings

from scheduling.appointments import mail as booking_mail


def mail_retry_countdown(retries: int) -> float:
    """Exponential backoff: BOOKING_MAIL_RETRY_SECONDS, then twice that, four times …, each
    within ±20 % so the mails held back by an outage do not all come back at once."""
    base = settings.BOOKING_MAIL_RETRY_SECONDS * 2**retries
    return base * random.uniform(0.8, 1.2)


@shared_task(bind=True, max_retries=None, name="scheduling.booking_tasks.send_appointment_mail")
def send_appointment_mail(self, *, mail_id: int, manage_token: str = "", message: str = "") -> bool:
    """Send one recorded appointment mail (`AppointmentMail`). A mail server that is down or
    busy is tried again BOOKING_MAIL_MAX_RETRIES times with exponential backoff; then, or at
    once for an error that no retry cures, the mail is recorded as failed for the staff."""
    try:
        return booking_mail.appointment_mail_deliver(
            mail_id=mail_id, manage_token=manage_token, message=message
        )
    except Exception as exc:
        retries = self.request.retries
        if booking_mail.error_is_transient(exc) and retries < settings.BOOKING_MAIL_MAX_RETRIES:
            raise self.retry(exc=exc, countdown=mail_retry_countdown(retries)) from exc
        booking_mail.appointment_mail_failed(mail_id=mail_id, error=exc)
        return False
