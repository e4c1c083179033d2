"""Appointments' subscriptions to videoconf's events (videoconf must not import scheduling:
README "Layers"): a video appointment goes booked → in_session → done as the provider reports.
The transition is appointments' service (conditional on the current status: replays change
nothing)."""

from __future__ import annotations

from typing import Any

from scheduling.appointments.models import Appointment
from scheduling.appointments.services import appointment_video_status_advance
from videoconf.events import VideoSessionEvent


def _appointment_id(event: VideoSessionEvent) -> int | None:
    if event.subject_kind != Appointment.VIDEO_SUBJECT:
        return None
    return event.subject_id


def on_video_session_started(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting started or the citizen joined: a booked video appointment is in session."""
    appointment_id = _appointment_id(event)
    if appointment_id is not None:
        appointment_video_status_advance(
            appointment_id=appointment_id,
            from_status=Appointment.Status.BOOKED,
            to_status=Appointment.Status.IN_SESSION,
        )


def on_video_session_ended(sender: Any, *, event: VideoSessionEvent, **kwargs: Any) -> None:
    """The meeting ended or the official left it: the video appointment is done."""
    appointment_id = _appointment_id(event)
    if appointment_id is not None:
        appointment_video_status_advance(
            appointment_id=appointment_id,
            from_status=Appointment.Status.IN_SESSION,
            to_status=Appointment.Status.DONE,
        )
