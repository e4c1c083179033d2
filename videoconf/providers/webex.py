"""Cisco Webex as a municipality's video provider.

Each municipality connects its own Webex organisation (a Service App or an OAuth integration
authorised by its Webex admin); the credentials live encrypted in that municipality's
VideoIntegration row. Nothing here is shared between municipalities: the provider is built
from the row of the schema it is used in, and its token provider re-reads that row.

Data protection: Webex gets no personal data of the citizen. Meeting titles are generic
("Videoberatung …"), the citizen joins as "Gast <number>" with a placeholder e-mail on our own
domain, and Webex sends no e-mails (`sendEmail: false`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core import tenancy
from platform_core.request_input import BadInput, json_loads
from videoconf import error_codes
from videoconf.models import VideoIntegration, VideoSession
from videoconf.providers import VideoEvent, VideoProviderError, WebhookRejected, room_path
from videoconf.webex import (
    StaticTokenProvider,
    TokenSet,
    WebexAuthFailed,
    WebexBadRequest,
    WebexClient,
    WebexError,
    WebexNotFound,
    WebexRateLimited,
    WebexTimeout,
    WebexUnavailable,
    refresh_access_token,
)

logger = logging.getLogger("videoconf.webex")

DEFAULT_TITLE = "Videoberatung Bürgerbüro"
INTEGRATION_TAG = "virtuelles-buergerbuero"
# Refresh a little before Webex would refuse the token, so a call never starts with a token
# that expires in flight.
TOKEN_LEEWAY = timedelta(minutes=5)
# Guest and host links are made when the person clicks and used at once (we redirect).
JOIN_LINK_MINUTES = 10
MIN_MEETING_MINUTES = 10  # Webex refuses shorter meetings
MAX_MEETING_MINUTES = 23 * 60
# (resource, event) pairs we subscribe to; see videoconf.services.video_event_apply.
WEBHOOK_SUBSCRIPTIONS = (
    ("meetings", "started"),
    ("meetings", "ended"),
    ("meetingParticipants", "joined"),
    ("meetingParticipants", "left"),
)
SIGNATURE_HEADER = "X-Spark-Signature"

# For the official: what happened and what to do. Webex's own words are appended.
_MESSAGES: tuple[tuple[type[WebexError], Promise], ...] = (
    (
        WebexAuthFailed,
        gettext_lazy(
            "Webex refused the sign-in. Please check the credentials of the video "
            "integration or authorise the app in Webex again."
        ),
    ),
    (
        WebexRateLimited,
        gettext_lazy(
            "Webex is taking no further requests right now. Please try again in a minute."
        ),
    ),
    (WebexTimeout, gettext_lazy("Webex did not answer in time. Please try again shortly.")),
    (
        WebexUnavailable,
        gettext_lazy("Webex cannot be reached right now. Please try again shortly."),
    ),
    (WebexNotFound, gettext_lazy("The Webex meeting was not found.")),
    (WebexBadRequest, gettext_lazy("Webex refused the request.")),
)


def webhook_target_url(slug: str) -> str:
    """Where Webex posts this municipality's events: the public (vendor) host."""
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}/webhooks/webex/{slug}/"


def _secret(row: VideoIntegration, name: str) -> str:
    try:
        return row.secret(name)
    except ValueError as exc:  # FIELD_ENCRYPTION_KEY changed since the secret was stored
        raise WebexAuthFailed(
            _("Stored credentials cannot be decrypted; please enter them again.")
        ) from exc


class DatabaseTokenProvider:
    """Bearer tokens from the municipality's VideoIntegration row, shared by all processes.

    A token is refreshed shortly before it expires and after Webex answered 401. Refreshes are
    serialised across processes with a row lock (SELECT … FOR UPDATE): whoever gets the lock
    second finds the token already renewed and uses it, instead of spending the refresh token
    a second time — with rotating refresh tokens that would lock the municipality out. The new
    access token and a rotated refresh token are saved encrypted before the lock is released.

    Call outside of long transactions: inside one, the lock (and the rotated token) only
    becomes visible to others when that transaction commits.
    """

    def __init__(
        self,
        integration_pk: int,
        *,
        api_base: str,
        timeout: float,
        leeway: timedelta = TOKEN_LEEWAY,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self._pk = integration_pk
        self._schema = tenancy.current_schema()
        self._api_base = api_base
        self._timeout = timeout
        self._leeway = leeway
        self._clock = clock
        self._issued: str | None = None
        self._rejected: str | None = None

    def get_token(self) -> str:
        with tenancy.tenant_context(self._schema):
            token = self._usable(VideoIntegration.objects.get(pk=self._pk))
            if token is None:
                token = self._refresh()
        self._issued = token
        return token

    def invalidate(self) -> None:
        # Only the token Webex refused is bad; one another process stored meanwhile is not.
        self._rejected = self._issued

    def force_refresh(self) -> str:
        """Refresh now (used by "test connection" to prove the refresh token works)."""
        with tenancy.tenant_context(self._schema):
            row = VideoIntegration.objects.get(pk=self._pk)
            self._rejected = _secret(row, "access_token") or None
            token = self._refresh()
        self._issued = token
        return token

    def _usable(self, row: VideoIntegration) -> str | None:
        token = _secret(row, "access_token")
        if not token or token == self._rejected:
            return None
        expires = row.access_token_expires_at
        if expires is not None and expires <= self._clock() + self._leeway:
            return None
        return token

    def _refresh(self) -> str:
        with transaction.atomic():
            row = VideoIntegration.objects.select_for_update().get(pk=self._pk)
            token = self._usable(row)
            if token is not None:
                return token  # another process refreshed while we waited for the lock
            refresh_token = _secret(row, "refresh_token")
            if not refresh_token:
                raise WebexAuthFailed(
                    _("The access token expired or was refused and no refresh token is stored.")
                )
            new = refresh_access_token(
                self._api_base,
                row.client_id,
                _secret(row, "client_secret"),
                refresh_token,
                timeout=self._timeout,
            )
            row.set_secret("access_token", new.access_token)
            row.access_token_expires_at = new.expires_at
            row.set_secret("refresh_token", new.refresh_token)
            row.refresh_token_expires_at = new.refresh_token_expires_at
            row.save(
                update_fields=[
                    "access_token_enc",
                    "access_token_expires_at",
                    "refresh_token_enc",
                    "refresh_token_expires_at",
                ]
            )
        self._rejected = None
        return new.access_token


class WebexProvider:
    """One municipality's Webex organisation."""

    name = "webex"

    def __init__(self, integration: VideoIntegration) -> None:
        self.integration = integration

    @property
    def api_base(self) -> str:
        return (self.integration.api_base or settings.WEBEX_API_BASE).rstrip("/")

    @property
    def host_email(self) -> str | None:
        return self.integration.host_email or None

    # -- sessions

    def open_session(
        self,
        *,
        session: VideoSession,
        title: str,
        duration_minutes: int,
        start: datetime | None = None,
        time_zone: str = "Europe/Berlin",
    ) -> None:
        """`POST /meetings` for a 1:1 consultation (lobby, no join before host, no e-mails)."""
        now = timezone.now()
        # Webex refuses a start in the past; the next full minute is "now" for a queue call.
        earliest = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        begin = max(start, earliest) if start is not None else earliest
        minutes = min(max(duration_minutes, MIN_MEETING_MINUTES), MAX_MEETING_MINUTES)
        with self._client("create meeting") as client:
            meeting = client.create_meeting(
                (title or DEFAULT_TITLE)[:128],
                begin,
                begin + timedelta(minutes=minutes),
                timezone=time_zone,
                host_email=self.host_email,
                integration_tags=[INTEGRATION_TAG],
            )
        session.external_id = str(meeting["id"])
        session.host_url = room_path(session, "host")

    def guest_join_url(self, *, session: VideoSession, display_name: str) -> str:
        """`POST /meetings/join`: a personal guest link, valid for a few minutes."""
        self._require_meeting(session)
        with self._client("create guest link") as client:
            links = client.create_join_link(
                session.external_id,
                (display_name or "Gast")[:128],
                _guest_email(session),
                expiration_minutes=JOIN_LINK_MINUTES,
                host_email=self.host_email,
            )
        return str(links["joinLink"])

    def host_join_url(self, *, session: VideoSession) -> str:
        """The start link of `POST /meetings/join`: opens the meeting as its host."""
        self._require_meeting(session)
        with self._client("create host link") as client:
            links = client.create_join_link(
                session.external_id,
                "Sachbearbeitung",
                _guest_email(session),
                expiration_minutes=JOIN_LINK_MINUTES,
                host_email=self.host_email,
            )
        return str(links["startLink"])

    def end_session(self, *, session: VideoSession) -> None:
        """Delete the meeting, which ends it for everybody; already gone is fine."""
        if not session.external_id:
            return
        with self._client("delete meeting") as client:
            client.delete_meeting(session.external_id, host_email=self.host_email)

    def check_credentials(self) -> None:
        """Refresh the access token (proves client id, secret and refresh token) and call
        `GET /people/me` with it (proves the token is accepted)."""
        with self._client("check credentials") as client:
            if self.integration.has_secret("refresh_token"):
                self._tokens.force_refresh()
            client.me()

    def check_new_credentials(self) -> TokenSet | None:
        """Prove credentials before they are stored (`self.integration` is an unsaved copy):
        renew the access token with the given refresh token, in memory only, and call
        `GET /people/me` with it (or with the given access token when there is no refresh
        token). Returns the token set Webex issued - to be stored together with the
        credentials, as the refresh token may have rotated - or None. Raises
        VideoProviderError with Webex's own message."""
        row = self.integration
        tokens = None
        try:
            if row.has_secret("refresh_token"):
                tokens = refresh_access_token(
                    self.api_base,
                    row.client_id,
                    _secret(row, "client_secret"),
                    _secret(row, "refresh_token"),
                    timeout=settings.WEBEX_TIMEOUT_SECONDS,
                )
                access_token = tokens.access_token
            else:
                access_token = _secret(row, "access_token")
            with WebexClient(
                self.api_base,
                StaticTokenProvider(access_token),
                timeout=settings.WEBEX_TIMEOUT_SECONDS,
                max_retries=settings.WEBEX_MAX_RETRIES,
                backoff_base=settings.WEBEX_BACKOFF_BASE_SECONDS,
                max_retry_after=settings.WEBEX_MAX_RETRY_AFTER_SECONDS,
            ) as client:
                client.me()
        except WebexError as exc:
            raise _provider_error(exc, "check new credentials") from exc
        return tokens

    # -- webhooks

    def register_webhooks(self, *, target_url: str) -> list[str]:
        """Replace this municipality's webhooks by fresh ones for `target_url`."""
        secret = _secret(self.integration, "webhook_secret")
        if not secret:
            raise VideoProviderError(
                _("The webhook secret is missing."), error_codes.WEBEX_NOT_CONFIGURED
            )
        old_ids = set(self.integration.webhook_ids or [])
        with self._client("register webhooks") as client:
            for hook in client.list_webhooks():
                if hook.get("targetUrl") == target_url or hook.get("id") in old_ids:
                    client.delete_webhook(str(hook["id"]))
                    old_ids.discard(hook.get("id"))
            for leftover in old_ids:  # e.g. registered with another target URL
                client.delete_webhook(str(leftover))
            slug = tenancy.current_schema()
            return [
                str(
                    client.create_webhook(
                        f"Virtuelles Bürgerbüro {slug} {resource}.{event}",
                        target_url,
                        resource,
                        event,
                        secret,
                    )["id"]
                )
                for resource, event in WEBHOOK_SUBSCRIPTIONS
            ]

    def delete_webhooks(self) -> None:
        with self._client("delete webhooks") as client:
            for webhook_id in self.integration.webhook_ids or []:
                client.delete_webhook(str(webhook_id))

    def handle_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> VideoEvent | None:
        """Check `X-Spark-Signature` (hex HMAC-SHA1 of the raw body, constant-time compare)
        and translate the event; None for events we do not act on."""
        secret = _secret(self.integration, "webhook_secret")
        if not secret:
            raise WebhookRejected(
                _("No webhook secret is configured for this municipality."),
                error_codes.WEBHOOK_NOT_CONFIGURED,
                404,
            )
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise WebhookRejected(
                _("X-Spark-Signature is missing."), error_codes.WEBHOOK_SIGNATURE_MISSING, 401
            )
        expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if not hmac.compare_digest(
            expected.encode(), signature.strip().lower().encode("utf-8", "replace")
        ):
            raise WebhookRejected(
                _("X-Spark-Signature does not match."), error_codes.WEBHOOK_SIGNATURE_INVALID, 403
            )
        try:
            envelope = json_loads(body)
        except BadInput as exc:
            raise WebhookRejected(exc.message, error_codes.WEBHOOK_BAD_PAYLOAD, 400) from exc
        if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
            raise WebhookRejected(
                _("The body is not a Webex webhook event."), error_codes.WEBHOOK_BAD_PAYLOAD, 400
            )
        return _event(envelope)

    # -- plumbing

    @contextmanager
    def _client(self, action: str) -> Iterator[WebexClient]:
        self._require_configured()
        self._tokens = DatabaseTokenProvider(
            self.integration.pk, api_base=self.api_base, timeout=settings.WEBEX_TIMEOUT_SECONDS
        )
        client = WebexClient(
            self.api_base,
            self._tokens,
            timeout=settings.WEBEX_TIMEOUT_SECONDS,
            max_retries=settings.WEBEX_MAX_RETRIES,
            backoff_base=settings.WEBEX_BACKOFF_BASE_SECONDS,
            max_retry_after=settings.WEBEX_MAX_RETRY_AFTER_SECONDS,
        )
        try:
            yield client
        except WebexError as exc:
            raise _provider_error(exc, action) from exc
        finally:
            client.close()

    def _require_configured(self) -> None:
        row = self.integration
        has_token = row.has_secret("access_token") or (
            row.client_id and row.has_secret("client_secret") and row.has_secret("refresh_token")
        )
        if row.pk is None or not has_token:
            raise VideoProviderError(
                _(
                    "Webex is not fully set up for this municipality (client ID, client "
                    "secret and refresh token are missing)."
                ),
                error_codes.WEBEX_NOT_CONFIGURED,
            )

    @staticmethod
    def _require_meeting(session: VideoSession) -> None:
        if not session.external_id:
            raise VideoProviderError(
                _("There is no Webex meeting for this session."), error_codes.WEBEX_NOT_FOUND
            )


def _provider_error(exc: WebexError, action: str) -> VideoProviderError:
    base = next(
        (str(text) for cls, text in _MESSAGES if isinstance(exc, cls)),
        _("Webex reported an error."),
    )
    logger.warning(
        "Webex %s failed: code=%s status=%s trackingId=%s",
        action,
        exc.code,
        exc.status,
        exc.tracking_id,
    )
    return VideoProviderError(
        _("%(problem)s (Webex: %(message)s)") % {"problem": base, "message": exc.message},
        exc.code,
        exc.tracking_id,
        provider_message=exc.message,
    )


def _guest_email(session: VideoSession) -> str:
    # Webex wants an address with a display name; the citizen's own stays with us.
    return f"video-gast-{session.pk or 0}@{settings.PLATFORM_DOMAIN}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _meeting_ids(*values: object) -> frozenset[str]:
    ids: set[str] = set()
    for value in values:
        if isinstance(value, str) and value:
            ids.add(value)
            # An occurrence id is "<series id>_I_<n>"; we store the series id.
            ids.add(value.split("_I_", 1)[0])
    return frozenset(ids)


def _event(envelope: dict) -> VideoEvent | None:
    resource, event, data = envelope.get("resource"), envelope.get("event"), envelope["data"]
    if resource == "meetings" and event in ("started", "ended"):
        return VideoEvent(
            event, _meeting_ids(data.get("id"), data.get("meetingSeriesId"), data.get("meetingId"))
        )
    if resource == "meetingParticipants" and event in ("joined", "left"):
        return VideoEvent(
            event,
            _meeting_ids(data.get("meetingId"), data.get("meetingSeriesId")),
            host=bool(data.get("host")),
        )
    return None
