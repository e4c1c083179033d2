"""Video providers behind one interface.

A provider opens a 1:1 session for an official and a citizen, hands out a guest join link (made
when the citizen clicks, because provider links expire) and a host link, ends the session,
checks its credentials and handles its webhooks. `builtin` is the zero-configuration default:
a WebRTC room served by the platform itself.
"""

from __future__ import annotations

from typing import Protocol

from videoconf.models import VideoIntegration, VideoSession


class VideoProviderError(Exception):
    """A provider failed; `code` is stable (e.g. webex_unavailable), `message` is for people."""

    def __init__(self, message: str, code: str = "video_unavailable",
                 tracking_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.tracking_id = tracking_id


class VideoProvider(Protocol):
    name: str

    def open_session(self, *, session: VideoSession, title: str, duration_minutes: int) -> None:
        """Create the room/meeting; fill `external_id` and `host_url` on `session`."""

    def guest_join_url(self, *, session: VideoSession, display_name: str) -> str:
        """A join link for the citizen, made now (links expire)."""

    def host_join_url(self, *, session: VideoSession) -> str:
        """A link for the official."""

    def end_session(self, *, session: VideoSession) -> None:
        """End or delete the room/meeting. Idempotent."""

    def check_credentials(self) -> None:
        """Raise VideoProviderError with the provider's message when they do not work."""


class BuiltinProvider:
    """Rooms served by the platform (templates/videoconf/room.html, WebRTC in the browser)."""

    name = "builtin"

    def __init__(self, integration: VideoIntegration | None = None) -> None:
        self.integration = integration

    def open_session(self, *, session: VideoSession, title: str, duration_minutes: int) -> None:
        session.host_url = f"/video/{session.host_key}/"

    def guest_join_url(self, *, session: VideoSession, display_name: str) -> str:
        return f"/video/{session.guest_key}/"

    def host_join_url(self, *, session: VideoSession) -> str:
        return f"/video/{session.host_key}/"

    def end_session(self, *, session: VideoSession) -> None:
        return None

    def check_credentials(self) -> None:
        return None


def provider_for(integration: VideoIntegration | None) -> VideoProvider:
    if integration is not None and integration.provider == VideoIntegration.Provider.WEBEX:
        from videoconf.providers.webex import WebexProvider  # noqa: PLC0415

        return WebexProvider(integration)
    return BuiltinProvider(integration)


def current_provider() -> VideoProvider:
    return provider_for(VideoIntegration.objects.first())
