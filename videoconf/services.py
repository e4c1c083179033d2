"""Video sessions, their signalling, provider webhooks and the municipality's video integration.

Provider calls (Webex) go over the network: none of them runs while this module holds a row
lock, and none of them runs inside a transaction of ours (a rolled-back write must not have
created a meeting, and a meeting must not be created while citizens' rows are locked).
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core import tenancy
from platform_core.audit import audit
from platform_core.errors import ApiError
from platform_core.models import User
from videoconf import error_codes
from videoconf.models import VideoIntegration, VideoSession, VideoSignal
from videoconf.providers import (
    VideoEvent,
    VideoProviderError,
    current_provider,
    provider_for,
    provider_for_session,
    room_path,
)
from videoconf.webex import TokenSet

__all__ = [
    "VideoProviderError",
    "appointment_status_advance",
    "video_event_apply",
    "video_integration_register_webhooks",
    "video_integration_save",
    "video_integration_test",
    "video_integration_update",
    "video_session_end",
    "video_session_guest_url",
    "video_session_host_url",
    "video_session_mark_guest_joined",
    "video_session_open",
    "video_session_retry_remote_cleanup",
    "video_session_room_url",
    "video_signal_post",
]

logger = logging.getLogger("videoconf")

DEFAULT_TITLE = "Videoberatung Bürgerbüro"
SECRET_FIELDS = ("client_secret", "refresh_token", "access_token", "webhook_secret")
PLAIN_FIELDS = ("client_id", "host_email", "site_url", "api_base")
# Built-in signalling: enough for any real negotiation, small enough to keep the table tiny.
MAX_SIGNAL_BYTES = 64 * 1024
MAX_SIGNALS_PER_SESSION = 1000
# What the audit row says about a secret instead of its value.
_SET, _CHANGED, _CLEARED, _GENERATED = "set", "changed", "cleared", "generated"


def _queue_service(name: str) -> Callable[..., Any] | None:
    """scheduling.queue_services.<name> if that module and function exist (they are written
    in parallel by the waiting-room work; until then the waiting room is simply not told)."""
    if importlib.util.find_spec("scheduling.queue_services") is None:
        return None
    module = importlib.import_module("scheduling.queue_services")
    return getattr(module, name, None)


# --------------------------------------------------------------------------- sessions


def video_session_open(
    *,
    official,
    title: str = DEFAULT_TITLE,
    duration_minutes: int = 30,
    ticket=None,
    appointment=None,
    start: datetime | None = None,
) -> VideoSession:
    """Create a 1:1 session for an official and a ticket or appointment.

    Call outside a database transaction that holds row locks: providers talk to the network.
    `title` goes to the provider: never put personal data in it. Raises VideoProviderError
    (nothing is saved then); calling again later works."""
    provider = current_provider()
    session = VideoSession(
        provider=provider.name, official=official, ticket=ticket, appointment=appointment
    )
    if start is None and appointment is not None:
        start = appointment.start
    provider.open_session(
        session=session,
        title=title,
        duration_minutes=duration_minutes,
        start=start,
        time_zone=str(tenancy.local_tz()),
    )
    try:
        session.save()
    except Exception:
        # The meeting exists at the provider but we could not remember it: take it down.
        try:
            provider.end_session(session=session)
        except VideoProviderError:
            logger.warning("orphaned %s meeting %s", provider.name, session.external_id)
        raise
    return session


def guest_display_name(session: VideoSession) -> str:
    """How the citizen appears to the official at the provider: a number, never a name."""
    if session.ticket_id and session.ticket is not None:
        return f"Gast {session.ticket.number}"
    if session.appointment_id and session.appointment is not None:
        return f"Gast {session.appointment.reference}"
    return "Gast"


def video_session_room_url(*, session: VideoSession, role: str = "guest") -> str:
    """Stable link on the municipality's host for the citizen ("guest") or official ("host").

    Prefer this to video_session_guest_url for links shown ahead of time (queue status, e-mails):
    for Webex it makes the provider's expiring link only when it is clicked."""
    return room_path(session, role)


def video_session_guest_url(*, session: VideoSession, display_name: str = "") -> str:
    """A provider join link for the citizen, made now (Webex links expire after minutes)."""
    return provider_for_session(session).guest_join_url(
        session=session, display_name=display_name or guest_display_name(session)
    )


def video_session_host_url(*, session: VideoSession) -> str:
    """A provider link that opens the session as its host, made now."""
    return provider_for_session(session).host_join_url(session=session)


@transaction.atomic
def _session_mark_ended(session: VideoSession, *, remote_pending: bool) -> bool:
    now = timezone.now()
    changed = (
        VideoSession.objects.filter(pk=session.pk)
        .exclude(status=VideoSession.Status.ENDED)
        .update(
            status=VideoSession.Status.ENDED, ended_at=now, remote_cleanup_pending=remote_pending
        )
    )
    VideoSignal.objects.filter(session_id=session.pk).delete()
    if changed:
        session.status, session.ended_at = VideoSession.Status.ENDED, now
        session.remote_cleanup_pending = remote_pending
    return bool(changed)


def _needs_remote_end(session: VideoSession) -> bool:
    return session.provider != "builtin" and bool(session.external_id)


def _remote_cleanup(session: VideoSession) -> bool:
    try:
        provider_for_session(session).end_session(session=session)
    except VideoProviderError as exc:
        logger.warning(
            "ending video session %s at %s failed, will retry: code=%s trackingId=%s",
            session.pk,
            session.provider,
            exc.code,
            exc.tracking_id,
        )
        VideoSession.objects.filter(pk=session.pk).update(remote_cleanup_pending=True)
        session.remote_cleanup_pending = True
        return False
    VideoSession.objects.filter(pk=session.pk).update(remote_cleanup_pending=False)
    session.remote_cleanup_pending = False
    return True


def video_session_end(*, session: VideoSession) -> bool:
    """Mark the session ended (idempotent), drop its signalling, end it at the provider.

    Never raises for a provider outage: ending a consultation must not fail because Webex is
    down. The failure is logged with Webex's trackingId and retried by the beat task
    `videoconf.tasks.retry_remote_cleanup`. Returns whether the provider side is done."""
    session.refresh_from_db(fields=["status", "remote_cleanup_pending"])
    if session.is_ended and not session.remote_cleanup_pending:
        return True
    _session_mark_ended(session, remote_pending=_needs_remote_end(session))
    if not _needs_remote_end(session):
        return True
    return _remote_cleanup(session)


def video_session_retry_remote_cleanup(*, limit: int = 50) -> int:
    """End at the provider what could not be ended there before. Returns how many worked."""
    pending = VideoSession.objects.filter(remote_cleanup_pending=True).order_by("ended_at")
    return sum(_remote_cleanup(session) for session in pending[:limit])


def video_session_mark_guest_joined(*, session: VideoSession) -> bool:
    """The citizen opened the room (or followed the link to the provider) for the first time:
    remember when, and tell the waiting room. Returns whether this was the first time."""
    now = timezone.now()
    first = VideoSession.objects.filter(pk=session.pk, guest_joined_at__isnull=True).update(
        guest_joined_at=now
    )
    if not first:
        return False
    session.guest_joined_at = now
    mark_joined = _queue_service("ticket_mark_joined")
    if session.ticket_id and mark_joined is not None:
        mark_joined(ticket=session.ticket)
    return True


# --------------------------------------------------------------------------- webhook events


@transaction.atomic
def appointment_status_advance(*, appointment_id: int, from_status: str, to_status: str) -> bool:
    """Move a video appointment along booked → in_session → done, driven by the provider.

    Only from the expected status, in one conditional UPDATE: a replayed or late event finds
    the appointment elsewhere and changes nothing."""
    from scheduling.models import Appointment

    changed = Appointment.objects.filter(pk=appointment_id, status=from_status).update(
        status=to_status
    )
    if changed:
        audit(
            acting_user=None,
            action="appointment.video_status",
            object_type="scheduling.appointment",
            object_id=str(appointment_id),
            changes={"status": [from_status, to_status]},
        )
    return bool(changed)


def _ticket_step(session: VideoSession, *, from_status: str, function: str) -> None:
    from scheduling.models import Ticket

    ticket = Ticket.objects.filter(pk=session.ticket_id).first()
    if ticket is None or ticket.status != from_status:
        return  # already moved on (replay) or never got there
    step = _queue_service(function)
    if step is None:
        logger.info(
            "scheduling.queue_services.%s is not available; ticket %s stays %s",
            function,
            ticket.pk,
            ticket.status,
        )
        return
    try:
        step(ticket=ticket, acting_user=None)
    except Exception:
        # A webhook must answer; the official can still move the ticket from the console.
        logger.exception("%s failed for ticket %s after a video event", function, ticket.pk)


def video_event_apply(*, event: VideoEvent) -> VideoSession | None:
    """Apply a provider event to the session and its ticket or appointment.

    started, or the citizen joined → in session; ended, or the official (host) left → done.
    A citizen leaving changes nothing (a dropped connection is not the end of the
    consultation). Every step is conditional on the current status, so replays are harmless.
    Returns the session, or None when the event is not about one of ours."""
    if not event.external_ids:
        return None
    session = (
        VideoSession.objects.select_related("ticket", "appointment")
        .filter(external_id__in=event.external_ids)
        .exclude(external_id="")
        .first()
    )
    if session is None:
        return None
    now = timezone.now()
    if event.kind == "started" or (event.kind == "joined" and not event.host):
        with transaction.atomic():
            VideoSession.objects.filter(pk=session.pk, status=VideoSession.Status.OPEN).update(
                status=VideoSession.Status.LIVE, started_at=now
            )
            if session.appointment_id:
                appointment_status_advance(
                    appointment_id=session.appointment_id,
                    from_status="booked",
                    to_status="in_session",
                )
        if event.kind == "joined":
            video_session_mark_guest_joined(session=session)
        if session.ticket_id:
            _ticket_step(session, from_status="called", function="ticket_start")
    elif event.kind == "ended" or (event.kind == "left" and event.host):
        with transaction.atomic():
            _session_mark_ended(session, remote_pending=_needs_remote_end(session))
            if session.appointment_id:
                appointment_status_advance(
                    appointment_id=session.appointment_id,
                    from_status="in_session",
                    to_status="done",
                )
        if session.ticket_id:
            _ticket_step(session, from_status="in_session", function="ticket_complete")
    session.refresh_from_db()
    return session


# --------------------------------------------------------------------------- signalling


def video_signal_post(
    *, session: VideoSession, sender: str, kind: str, payload: Any
) -> VideoSignal:
    """Store one signalling message of the built-in room for the other side.

    "hello" (a page (re)load) drops the sender's older messages, so a reload starts clean and
    the table stays small; a session takes at most MAX_SIGNALS_PER_SESSION messages."""
    if kind not in VideoSignal.Kind.values:
        raise ApiError(
            _("type must be one of: %(kinds)s") % {"kinds": ", ".join(VideoSignal.Kind.values)},
            error_codes.SIGNAL_INVALID,
        )
    if sender not in VideoSignal.Sender.values:
        raise ApiError(_("Unknown sender."), error_codes.SIGNAL_INVALID)
    if payload is None:
        payload = {}
    if not isinstance(payload, dict | str):
        raise ApiError(_("payload must be an object."), error_codes.SIGNAL_INVALID)
    import json

    if len(json.dumps(payload)) > MAX_SIGNAL_BYTES:
        raise ApiError(_("payload is too large."), error_codes.SIGNAL_TOO_LARGE, 413)
    with transaction.atomic():
        # The session row lock serialises the limit check against concurrent posts.
        locked = VideoSession.objects.select_for_update().get(pk=session.pk)
        if locked.is_ended:
            raise ApiError(_("This consultation has ended."), error_codes.SESSION_ENDED, 410)
        if kind == VideoSignal.Kind.HELLO:
            VideoSignal.objects.filter(session=locked, sender=sender).delete()
        elif VideoSignal.objects.filter(session=locked).count() >= MAX_SIGNALS_PER_SESSION:
            raise ApiError(
                _("Too many signalling messages."), error_codes.SIGNAL_LIMIT_REACHED, 429
            )
        return VideoSignal.objects.create(session=locked, sender=sender, kind=kind, payload=payload)


# --------------------------------------------------------------------------- integration


def _validate_api_base(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            {
                "api_base": ValidationError(
                    _("Enter an http(s) URL such as https://webexapis.com/v1."), code="invalid"
                )
            }
        )
    allowed = settings.WEBEX_API_BASE_ALLOWED_HOSTS
    if allowed and (parts.scheme != "https" or parts.hostname not in allowed):
        raise ValidationError(
            {
                "api_base": ValidationError(
                    _("This API base is not allowed here."), code=error_codes.API_BASE_NOT_ALLOWED
                )
            }
        )


def _integration_locked() -> VideoIntegration:
    VideoIntegration.objects.get_or_create(singleton=True)
    return VideoIntegration.objects.select_for_update().get(singleton=True)


def _integration_apply(integration: VideoIntegration, data: Mapping[str, Any]) -> dict[str, Any]:
    """Apply `data` to `integration` in memory and return the audit changes (never a secret).

    Plain fields present in `data` are replaced. Secrets are write-only: an absent or empty
    secret keeps the stored one, a given one is stored encrypted. New credentials or another
    API base drop the stored access token (it belongs to the old app). Webex needs a client
    id, client secret and refresh token (or an access token); a webhook secret is generated
    when none is given."""
    provider = data.get("provider") or VideoIntegration.Provider.BUILTIN
    if provider not in VideoIntegration.Provider.values:
        raise ValidationError(
            {"provider": ValidationError(_("Choose webex or builtin."), code="invalid_choice")}
        )
    _validate_api_base(str(data.get("api_base") or ""))

    changes: dict[str, Any] = {}
    if integration.provider != provider:
        changes["provider"] = [integration.provider, provider]
        integration.provider = provider
    for name in PLAIN_FIELDS:
        if name in data:
            value = str(data.get(name) or "").strip()
            if getattr(integration, name) != value:
                changes[name] = [getattr(integration, name), value]
                setattr(integration, name, value)
    new_secrets = {name: str(data.get(name) or "") for name in SECRET_FIELDS if data.get(name)}
    for name, value in new_secrets.items():
        if not integration.has_secret(name) or integration.secret(name) != value:
            changes[name] = _CHANGED if integration.has_secret(name) else _SET
            integration.set_secret(name, value)
    credentials_changed = {"client_id", "client_secret", "refresh_token", "api_base"} & set(changes)
    if credentials_changed and "access_token" not in new_secrets:
        if integration.has_secret("access_token"):
            changes["access_token"] = _CLEARED
        integration.access_token_enc = ""
        integration.access_token_expires_at = None
    if "access_token" in new_secrets:
        integration.access_token_expires_at = None  # unknown: used until Webex refuses it
    if "refresh_token" in new_secrets:
        integration.refresh_token_expires_at = None

    if provider == VideoIntegration.Provider.WEBEX:
        missing = [
            name
            for name, present in (
                ("client_id", bool(integration.client_id)),
                ("client_secret", integration.has_secret("client_secret")),
                (
                    "refresh_token",
                    integration.has_secret("refresh_token")
                    or integration.has_secret("access_token"),
                ),
            )
            if not present
        ]
        if missing:
            raise ValidationError(
                {
                    name: ValidationError(
                        _("Required for Webex."), code=error_codes.CREDENTIALS_INCOMPLETE
                    )
                    for name in missing
                }
            )
        if not integration.has_secret("webhook_secret"):
            integration.set_secret("webhook_secret", secrets.token_urlsafe(32))
            changes["webhook_secret"] = _GENERATED
    return changes


# What decides whether Webex accepts us: a change of any of these is tested before it is saved.
_GOES_LIVE = {"provider", "client_id", "client_secret", "refresh_token", "access_token", "api_base"}


@transaction.atomic
def video_integration_update(
    *, acting_user: User | None, data: Mapping[str, Any], checked_tokens: TokenSet | None = None
) -> VideoIntegration:
    """Store the municipality's video provider and its credentials as given, without asking
    the provider (video_integration_save tests them first). `checked_tokens`: the token set
    Webex issued while the credentials were tested, stored with them. The audit row names
    changed secrets, never their values."""
    integration = _integration_locked()
    changes = _integration_apply(integration, data)
    if checked_tokens is not None:
        integration.set_secret("access_token", checked_tokens.access_token)
        integration.access_token_expires_at = checked_tokens.expires_at
        integration.set_secret("refresh_token", checked_tokens.refresh_token)
        integration.refresh_token_expires_at = checked_tokens.refresh_token_expires_at
    integration.save()
    if changes:
        audit(
            acting_user=acting_user,
            action="video_integration.update",
            obj=integration,
            changes=changes,
        )
    return integration


def _audit_check(
    acting_user: User | None,
    integration: VideoIntegration | None,
    provider_name: str,
    error: VideoProviderError | None,
    **extra: Any,
) -> None:
    changes: dict[str, Any] = {"ok": error is None, "provider": provider_name, **extra}
    if error is not None:
        changes.update(code=error.code, tracking_id=error.tracking_id)
    audit(
        acting_user=acting_user,
        action="video_integration.test",
        obj=integration,
        object_type="videoconf.videointegration",
        changes=changes,
    )


def _check_before_going_live(
    *, acting_user: User | None, data: Mapping[str, Any]
) -> TokenSet | None:
    """Apply `data` to a copy of the stored integration and, when that would put new Webex
    credentials (or Webex itself) live, test them at Webex first. Raises ValidationError for
    incomplete input and VideoProviderError (audited) when Webex refuses; nothing is stored
    here, so the previous provider and credentials stay in force."""
    from videoconf.providers.webex import WebexProvider

    stored = VideoIntegration.objects.first()
    candidate = copy.copy(stored) if stored is not None else VideoIntegration()
    changes = _integration_apply(candidate, data)
    if candidate.provider != VideoIntegration.Provider.WEBEX or not _GOES_LIVE & set(changes):
        return None
    try:
        return WebexProvider(candidate).check_new_credentials()
    except VideoProviderError as exc:
        _audit_check(acting_user, stored, "webex", exc, before_saving=True)
        raise


def video_integration_register_webhooks(*, acting_user: User | None = None) -> list[str]:
    """Register this municipality's Webex webhooks (meetings started/ended, participants
    joined/left) at https://<PLATFORM_DOMAIN>/webhooks/webex/<slug>/, replacing old ones.
    Raises VideoProviderError."""
    from videoconf.providers.webex import WebexProvider, webhook_target_url

    integration = VideoIntegration.objects.filter(provider="webex").first()
    if integration is None:
        return []
    target = webhook_target_url(tenancy.current_schema())
    ids = WebexProvider(integration).register_webhooks(target_url=target)
    with transaction.atomic():
        VideoIntegration.objects.filter(pk=integration.pk).update(webhook_ids=ids)
        audit(
            acting_user=acting_user,
            action="video_integration.webhooks",
            obj=integration,
            changes={"target_url": target, "webhooks": len(ids)},
        )
    return ids


def _drop_webhooks(integration: VideoIntegration) -> None:
    from videoconf.providers.webex import WebexProvider

    if not integration.webhook_ids:
        return
    try:
        WebexProvider(integration).delete_webhooks()
    except VideoProviderError as exc:
        logger.warning(
            "could not delete old Webex webhooks: code=%s trackingId=%s", exc.code, exc.tracking_id
        )
    VideoIntegration.objects.filter(pk=integration.pk).update(webhook_ids=[])


def video_integration_save(
    *, acting_user: User | None, data: Mapping[str, Any]
) -> tuple[VideoIntegration, VideoProviderError | None]:
    """Set the municipality's video provider and credentials, the way admins do (API, page).

    New Webex credentials, and a switch to Webex, are tested at Webex before anything is
    stored (token renewal, then `GET /people/me`, outside any transaction): when Webex
    refuses, VideoProviderError with Webex's message is raised and the previous provider and
    credentials stay live. Then the integration is updated and (committed, outside any lock)
    its webhooks registered at Webex, or removed after a switch to the built-in provider. A
    failing webhook registration does not undo the saved settings: it is returned so the
    admin sees it and can save again."""
    checked = _check_before_going_live(acting_user=acting_user, data=data)
    integration = video_integration_update(
        acting_user=acting_user, data=data, checked_tokens=checked
    )
    webhook_error = None
    if integration.provider == VideoIntegration.Provider.WEBEX:
        try:
            video_integration_register_webhooks(acting_user=acting_user)
        except VideoProviderError as exc:
            webhook_error = exc
    else:
        _drop_webhooks(integration)
    integration.refresh_from_db()
    return integration, webhook_error


def video_integration_test(*, acting_user: User | None) -> None:
    """Check the stored credentials against the provider (Webex: token refresh, then
    GET /people/me). Raises VideoProviderError with the provider's message; audited."""
    integration = VideoIntegration.objects.first()
    provider = provider_for(integration)
    try:
        provider.check_credentials()
    except VideoProviderError as exc:
        _audit_check(acting_user, integration, provider.name, exc)
        raise
    _audit_check(acting_user, integration, provider.name, None)
