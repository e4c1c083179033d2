"""Events that videoconf publishes for the apps that open sessions (scheduling) and that it
must not import (README "Layers": videoconf is a leaf).

Each is a plain Django signal, sent with `event=VideoSessionEvent(...)` after videoconf's own
write has been made (outside its transaction): a receiver runs its own transaction and checks
the current state of its own rows, so a replayed provider event changes nothing. A receiver
that raises does not stop the others or the sender: videoconf logs it (a webhook must answer;
staff can still move the ticket or appointment by hand)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.dispatch import Signal

logger = logging.getLogger("videoconf")


@dataclass(frozen=True)
class VideoSessionEvent:
    session_id: int
    subject_kind: str  # as given to video_session_open ("ticket", "appointment")
    subject_id: int | None
    at: datetime
    # session_ended only: "ended" (the meeting ended) or "host_left" (the official left)
    reason: str = ""


# The session went live: the meeting started at the provider, or the citizen joined it.
video_session_started = Signal()
# The citizen opened the session for the first time (room page, provider link or webhook).
video_guest_joined = Signal()
# The session ended: the meeting ended, or its host (the official) left.
video_session_ended = Signal()


def publish(signal: Signal, event: VideoSessionEvent) -> None:
    """Send `event` to every receiver; one receiver's failure is logged, not raised."""
    for receiver, result in signal.send_robust(sender=VideoSessionEvent, event=event):
        if isinstance(result, Exception):
            logger.error(
                "receiver %s failed for session %s (%s %s)",
                getattr(receiver, "__qualname__", receiver),
                event.session_id,
                event.subject_kind,
                event.subject_id,
                exc_info=(type(result), result, result.__traceback__),
            )
