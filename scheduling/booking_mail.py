"""Appointment mails in the citizen's language (de/en), with an .ics for the calendar.

Sent by the Celery task `scheduling.booking_tasks.send_appointment_mail` (never inside the
booking's transaction, never in the citizen's request), which retries a failing mail
server and records the outcome (`AppointmentMail`). Each template
`scheduling/mail/<kind>_<language>.txt` holds the subject on its first line, then the body.
The manage link carries the raw manage token, which exists only while the citizen's request
runs (the database has its hash): confirmation and reschedule mails have it, reminders and
cancellations point back to the confirmation instead.
"""

from __future__ import annotations

import logging
import smtplib
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils import timezone, translation

from scheduling import ics
from scheduling.models import Appointment
from tenants.selectors import current_municipality

logger = logging.getLogger(__name__)


def manage_url(*, tenant, reference: str, token: str) -> str:
    return f"{tenant.url()}appointments/{reference}/?token={token}"


def _organizer(appointment: Appointment) -> str:
    return appointment.office.contact_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _render(kind: str, language: str, context: dict, tz: ZoneInfo) -> tuple[str, str]:
    with translation.override(language), timezone.override(tz):
        text = render_to_string(f"scheduling/mail/{kind}_{language}.txt", context)
    subject, _, body = text.lstrip().partition("\n")
    return subject.strip(), body.lstrip("\n")


def _ics(appointment: Appointment, tenant, *, method: str, sequence: int, url: str) -> bytes:
    service = appointment.service.name if appointment.service else ""
    video = appointment.mode == "video"
    summary = f"{service} – {appointment.office.name}" if service else appointment.office.name
    if appointment.language == "en":
        location = "Video call (join from the manage page)" if video else appointment.office.address
        description = f"Reference {appointment.reference}"
    else:
        location = (
            "Videogespräch (Beitritt über die Terminseite)"
            if video
            else (appointment.office.address)
        )
        description = f"Buchungsnummer {appointment.reference}"
    if url:
        description += f"\n{url}"
    return ics.appointment_ics(
        uid=ics.appointment_uid(reference=appointment.reference, host=tenant.primary_domain_name()),
        method=method,
        sequence=sequence,
        start=appointment.start,
        end=appointment.end,
        summary=summary,
        location=location.replace("\r", ""),
        description=description,
        organizer_email=_organizer(appointment),
        organizer_name=appointment.office.name,
        attendee_email=appointment.email,
        attendee_name=appointment.name,
        url=url,
    )


# kind -> (.ics method or None for no calendar file, SEQUENCE bump)
KINDS: dict[str, tuple[str | None, int]] = {
    "confirmation": (ics.REQUEST, 0),
    "rescheduled": (ics.REQUEST, 0),
    "cancellation": (ics.CANCEL, 1),
    "reminder": (None, 0),
}


def send(*, appointment_id: int, kind: str, manage_token: str = "", message: str = "") -> bool:
    """Render and send one mail about the appointment. False when there is nobody to write
    to (the appointment is gone or has no address); the mail backend's errors propagate."""
    from scheduling.booking_selectors import reschedule_count

    method, sequence_bump = KINDS[kind]
    appointment = (
        Appointment.objects.select_related("office", "service").filter(pk=appointment_id).first()
    )
    if appointment is None or not appointment.email:
        return False
    tenant = current_municipality()
    tz = ZoneInfo(tenant.time_zone)
    language = appointment.language if appointment.language in ("de", "en") else "de"
    url = (
        manage_url(tenant=tenant, reference=appointment.reference, token=manage_token)
        if manage_token
        else ""
    )
    context = {
        "appointment": appointment,
        "office": appointment.office,
        "service": appointment.service,
        "tenant": tenant,
        "manage_url": url,
        "start": appointment.start.astimezone(tz),
        "end": appointment.end.astimezone(tz),
        "is_video": appointment.mode == "video",
        "message": message,
    }
    subject, body = _render(kind, language, context, tz)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[appointment.email],
        reply_to=[appointment.office.contact_email] if appointment.office.contact_email else None,
    )
    if method is not None:
        # The archived rows of earlier reschedules count the revisions (see ics.py).
        sequence = reschedule_count(appointment.reference) + sequence_bump
        data = _ics(appointment, tenant, method=method, sequence=sequence, url=url)
        mail.attach("termin.ics", data, f"text/calendar; method={method}; charset=UTF-8")
    mail.send()
    logger.info("appointment mail %s sent for appointment %s", kind, appointment.pk)
    return True


def error_is_transient(exc: BaseException) -> bool:
    """Worth another try later: the mail server (or the database) is unreachable, busy or
    refuses for now. Not: the server refuses the citizen's address for good, or a bug."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(exc, smtplib.SMTPException | OSError | DatabaseError)


def describe_error(exc: BaseException) -> str:
    """The error for the delivery record: its type and SMTP codes, never its text (which can
    name the citizen's address)."""
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in exc.recipients.values()})
    suffix = f" {' '.join(map(str, codes))}" if codes else ""
    return f"{type(exc).__name__}{suffix}"[:100]
