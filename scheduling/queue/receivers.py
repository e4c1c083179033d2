"""The waiting room's subscriptions to videoconf's events (videoconf must not import
scheduling: README "Layers"). The ticket transitions stay in the queue's services; here they are
only triggered. Each step is conditional on the ticket's current status, so a replayed provider
event changes nothing; one that does not fit (the ticket moved on meanwhile) is logged and left
to the official's console."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scheduling.queue.models import Ticket
from scheduling.queue.services import ticket_complete, ticket_mark_joined, ticket_start
from videoconf.events import VideoSessionEvent

logger = logging.getLogger(__name__)


def _ticket(event: VideoSessionEvent) -> Ticket | None:
    if event.subject_kind != Ticket.VIDEO_SUBJECT or event.subject_id is None:
        return None
    return Ticket.objects.filter(pk=event.subject_id).first()


def _ticket_step(event: VideoSessionEvent, status: str, step: Callable[..., Ticket]) -> None:
    ticket = _ticket(event)
    if ticket is None or ticket.status != status:
        return  # not a ticket's session, already moved on (replay) or never got there
    try:
        step(ticket=ticket, acting_user=None)
    except Exception:
        # A webhook must answer; the official can still move the ticket from the console.
        logger.exception("%s failed for ticket %s after a video event", step.__name__, ticket.pk)


def on_video_session_started(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting started or the citizen joined: a called ticket is started."""
    _ticket_step(event, Ticket.Status.CALLED, ticket_start)


def on_video_guest_joined(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The citizen opened the video: the ticket's no-show timer stops."""
    ticket = _ticket(event)
    if ticket is not None:
        ticket_mark_joined(ticket=ticket)


def on_video_session_ended(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting ended or the official left it: the ticket is done."""
    _ticket_step(event, Ticket.Status.IN_SESSION, ticket_complete)
