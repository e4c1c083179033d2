"""scheduling's subscriptions to videoconf's events (videoconf must not import scheduling:
README "Layers"). The ticket and appointment status transitions stay in scheduling's services;
here they are only triggered. Each step is conditional on the row's current status, so a
replayed provider event changes nothing; one that does not fit (the ticket moved on meanwhile)
is logged and left to the official's console."""

from __future__ import annotations

import logging
from typing import Any

from scheduling.booking_services import appointment_video_status_advance
from scheduling.models import Appointment, Ticket
from scheduling.queue_services import ticket_complete, ticket_mark_joined, ticket_start
from videoconf.events import VideoSessionEvent

logger = logging.getLogger(__name__)


def _ticket(event: VideoSessionEvent, status: str) -> Ticket | None:
    if event.subject_kind != Ticket.VIDEO_SUBJECT or event.subject_id is None:
        return None
    ticket = Ticket.objects.filter(pk=event.subject_id).first()
    if ticket is None or ticket.status != status:
        return None  # already moved on (replay) or never got there
    return ticket


def _ticket_step(event: VideoSessionEvent, status: str, step: Any) -> None:
    ticket = _ticket(event, status)
    if ticket is None:
        return
    try:
        step(ticket=ticket, acting_user=None)
    except Exception:
        # A webhook must answer; the official can still move the ticket from the console.
        logger.exception("%s failed for ticket %s after a video event", step.__name__, ticket.pk)


def on_video_session_started(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting started or the citizen joined: a booked video appointment is in session,
    a called ticket is started."""
    if event.subject_kind == Appointment.VIDEO_SUBJECT and event.subject_id is not None:
        appointment_video_status_advance(
            appointment_id=event.subject_id,
            from_status=Appointment.Status.BOOKED,
            to_status=Appointment.Status.IN_SESSION,
        )
    _ticket_step(event, Ticket.Status.CALLED, ticket_start)


def on_video_guest_joined(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The citizen opened the video: the ticket's no-show timer stops."""
    if event.subject_kind == Ticket.VIDEO_SUBJECT and event.subject_id is not None:
        ticket = Ticket.objects.filter(pk=event.subject_id).first()
        if ticket is not None:
            ticket_mark_joined(ticket=ticket)


def on_video_session_ended(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting ended or the official left it: the appointment and the ticket are done."""
    if event.subject_kind == Appointment.VIDEO_SUBJECT and event.subject_id is not None:
        appointment_video_status_advance(
            appointment_id=event.subject_id,
            from_status=Appointment.Status.IN_SESSION,
            to_status=Appointment.Status.DONE,
        )
    _ticket_step(event, Ticket.Status.IN_SESSION, ticket_complete)
