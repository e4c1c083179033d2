"""Open and end video sessions through the municipality's provider."""

from __future__ import annotations

from django.utils import timezone

from videoconf.models import VideoSession
from videoconf.providers import VideoProviderError, current_provider, provider_for

__all__ = ["VideoProviderError", "video_session_end", "video_session_guest_url",
           "video_session_open"]


def video_session_open(*, official, title: str, duration_minutes: int = 30, ticket=None,
                       appointment=None) -> VideoSession:
    """Create a 1:1 session for an official and a ticket or appointment.

    Call outside a database transaction that holds row locks: providers talk to the network.
    Raises VideoProviderError (nothing is saved then)."""
    provider = current_provider()
    session = VideoSession(provider=provider.name, official=official, ticket=ticket,
                           appointment=appointment)
    provider.open_session(session=session, title=title, duration_minutes=duration_minutes)
    session.save()
    return session


def video_session_guest_url(*, session: VideoSession, display_name: str) -> str:
    from videoconf.models import VideoIntegration

    provider = provider_for(VideoIntegration.objects.first())
    return provider.guest_join_url(session=session, display_name=display_name)


def video_session_end(*, session: VideoSession) -> None:
    """End the session at the provider (idempotent) and mark it ended."""
    if session.status == VideoSession.Status.ENDED:
        return
    from videoconf.models import VideoIntegration

    try:
        provider_for(VideoIntegration.objects.first()).end_session(session=session)
    finally:
        VideoSession.objects.filter(pk=session.pk).update(status=VideoSession.Status.ENDED,
                                                          ended_at=timezone.now())
        session.status = VideoSession.Status.ENDED
