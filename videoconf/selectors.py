"""Reads of the videoconf app."""

from __future__ import annotations

from videoconf.models import VideoIntegration, VideoSession, VideoSignal

# One poll hands out at most this many messages; the client asks again from the last id.
SIGNAL_PAGE = 100


def video_session_by_key(*, key: str) -> tuple[VideoSession, str] | None:
    """The session a room key opens in this municipality's schema, and the role it grants:
    "guest" for VideoSession.guest_key, "host" for host_key."""
    if not key or len(key) > 64:
        return None
    session = (
        VideoSession.objects.select_related("ticket", "appointment").filter(guest_key=key).first()
    )
    if session is not None:
        return session, "guest"
    session = (
        VideoSession.objects.select_related("ticket", "appointment").filter(host_key=key).first()
    )
    if session is not None:
        return session, "host"
    return None


def video_signal_list(
    *, session: VideoSession, recipient: str, since: int = 0
) -> list[VideoSignal]:
    """Messages for `recipient` ("host" or "guest"), i.e. sent by the other side, after id
    `since`, oldest first."""
    return list(
        VideoSignal.objects.filter(session=session, id__gt=since)
        .exclude(sender=recipient)
        .order_by("id")[:SIGNAL_PAGE]
    )


def video_integration_get() -> VideoIntegration | None:
    return VideoIntegration.objects.first()
