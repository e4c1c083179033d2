"""Video providers behind one interface.

A provider opens a 1:1 session for an official and a citizen, hands out a guest join link (made
when the citizen clicks, because provider links expire) and a host link, ends the session,
checks its credentials and handles its webhooks. `builtin` is the zero-configuration default:
a WebRTC room served by the platform itself (videoconf/views.py, static/js/videoroom.js).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext as _

from videoconf import error_codes
from videoconf.models import VideoIntegration, VideoSession


class VideoProviderError(Exception):
    """A provider failed; `code` is stable (e.g. webex_unavailable), `message` is for people
    (the official, in the request's language), `tracking_id` is what the provider's support
    asks for."""

    def __init__(
        self,
        message: str,
        code: str = error_codes.VIDEO_UNAVAILABLE,
        tracking_id: str | None = None,
        *,
        provider_message: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.tracking_id = tracking_id
        # The provider's own words (e.g. Webex's "The refresh token is invalid or expired.").
        self.provider_message = provider_message

    def __str__(self) -> str:
        suffix = f" (trackingId={self.tracking_id})" if self.tracking_id else ""
        return f"{self.code}: {self.message}{suffix}"


class WebhookRejected(Exception):
    """A webhook delivery that must not be processed: missing or wrong signature."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class VideoEvent:
    """What a provider's webhook says happened, in our terms.

    kind: "started" | "ended" (the meeting) or "joined" | "left" (a participant).
    external_ids: every id the event names for the meeting (instance, series), any of which
    may be the VideoSession.external_id we stored.
    host: for participant events, whether the participant is the host (the official)."""

    kind: str
    external_ids: frozenset[str] = field(default_factory=frozenset)
    host: bool | None = None


class VideoProvider(Protocol):
    name: str

    def open_session(
        self,
        *,
        session: VideoSession,
        title: str,
        duration_minutes: int,
        start=None,
        time_zone: str = "Europe/Berlin",
    ) -> None:
        """Create the room/meeting; fill `external_id` and `host_url` on `session`."""

    def guest_join_url(self, *, session: VideoSession, display_name: str) -> str:
        """A join link for the citizen, made now (links expire)."""

    def host_join_url(self, *, session: VideoSession) -> str:
        """A link for the official."""

    def end_session(self, *, session: VideoSession) -> None:
        """End or delete the room/meeting. Idempotent."""

    def check_credentials(self) -> None:
        """Raise VideoProviderError with the provider's message when they do not work."""

    def handle_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> VideoEvent | None:
        """Verify a webhook delivery (raise WebhookRejected) and translate it; None = ignore."""


def room_path(session: VideoSession, role: str) -> str:
    """The platform's stable link for the citizen ("guest") or the official ("host").

    For the built-in provider it is the room itself; for Webex it redirects to a Webex link
    made at that moment, so the link can be handed out early and still never be stale."""
    key = session.host_key if role == "host" else session.guest_key
    return f"/video/{key}/"


class BuiltinProvider:
    """Rooms served by the platform (templates/videoconf/room.html, WebRTC in the browser)."""

    name = "builtin"

    def __init__(self, integration: VideoIntegration | None = None) -> None:
        self.integration = integration

    def open_session(
        self,
        *,
        session: VideoSession,
        title: str,
        duration_minutes: int,
        start=None,
        time_zone: str = "Europe/Berlin",
    ) -> None:
        session.host_url = room_path(session, "host")

    def guest_join_url(self, *, session: VideoSession, display_name: str) -> str:
        return room_path(session, "guest")

    def host_join_url(self, *, session: VideoSession) -> str:
        return room_path(session, "host")

    def end_session(self, *, session: VideoSession) -> None:
        return None

    def check_credentials(self) -> None:
        return None

    def handle_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> VideoEvent | None:
        raise WebhookRejected(
            _("The built-in provider has no webhooks."), error_codes.WEBHOOK_NOT_CONFIGURED, 404
        )


def provider_for(integration: VideoIntegration | None) -> VideoProvider:
    if integration is not None and integration.provider == VideoIntegration.Provider.WEBEX:
        from videoconf.providers.webex import WebexProvider

        return WebexProvider(integration)
    return BuiltinProvider(integration)


def provider_for_session(session: VideoSession) -> VideoProvider:
    """The provider that made `session`, even if the municipality switched since then."""
    integration = VideoIntegration.objects.first()
    if session.provider == VideoIntegration.Provider.WEBEX and integration is not None:
        from videoconf.providers.webex import WebexProvider

        return WebexProvider(integration)
    return BuiltinProvider(integration)


def current_provider() -> VideoProvider:
    return provider_for(VideoIntegration.objects.first())
