"""Synchronous Cisco Webex REST client: meetings, guest join links, lobby, webhooks, OAuth.

Deliberately free of Django: the Django layer owns tenants, encrypted credential storage and
scheduling; this module only speaks HTTP to ``https://webexapis.com/v1`` (or to the fake in
``devtools.webex_fake``) and turns failures into ``WebexError`` subclasses with stable codes.

Failure policy, in one place:

* every call has a timeout;
* 401 → ``access_token_provider.invalidate()``, fetch a token again, retry once;
* 429 (and 423) → wait ``Retry-After`` seconds (at most ``max_retry_after``; a longer wait is
  the caller's business, e.g. a Celery countdown, so we raise instead of blocking a worker);
* 5xx and connection failures → exponential backoff, at most ``max_retries`` times;
* a read timeout is only retried for idempotent methods: a POST that timed out may well have
  created the meeting, and retrying it blindly would create a second one.

Tokens, client secrets and webhook secrets are never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from .errors import (
    WebexAuthFailed,
    WebexBadRequest,
    WebexError,
    WebexNotFound,
    WebexRateLimited,
    WebexTimeout,
    WebexUnavailable,
)

logger = logging.getLogger("videoconf.webex")

DEFAULT_API_BASE = "https://webexapis.com/v1"
USER_AGENT = "virtuelles-buergerbuero-videoconf/1"

# Methods whose repetition cannot create a second side effect (RFC 9110 §9.2.2).
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Webex caps list endpoints and admit batches at 100 items.
_MAX_ITEMS_PER_CALL = 100
# Webex truncates its error texts anyway; we keep logs short and free of echoed personal data.
_MAX_LOGGED_MESSAGE = 200

# Settings for a 1:1 consultation: the official is the host, the citizen joins as a guest
# (no Webex account) through a personal link created by ``create_join_link``.
CONSULTATION_MEETING_SETTINGS: dict[str, Any] = {
    # Webex must not mail anybody: our own (data-protection reviewed) notifications carry the
    # link, and the citizen's e-mail must not end up in Webex's mailing as an invitee.
    "sendEmail": False,
    # Lobby rather than "allowJoin": a guest waits until the official admits them, so a
    # forwarded or leaked link does not seat a stranger in a confidential consultation
    # (social benefits, residence status ...). The official sees the lobby through
    # ``list_participants`` / ``admit`` (or in the Webex app).
    "unlockedMeetingJoinSecurity": "allowJoinWithLobby",
    # No join-before-host: the citizen must never be alone in the room with whoever else got
    # hold of a link. An early citizen simply waits in the lobby until the official is there.
    "enabledJoinBeforeHost": False,
    "joinBeforeHostMinutes": 0,
    "enableConnectAudioBeforeHost": False,
    # Automatic locking would lock out a citizen who reconnects after a network drop.
    "enableAutomaticLock": False,
    # Recording needs its own legal basis and consent; never by default.
    "enabledAutoRecordMeeting": False,
    "allowAnyUserToBeCoHost": False,
    "allowFirstUserToBeCoHost": False,
    "publicMeeting": False,
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class TokenSet:
    """An OAuth token pair as returned by ``POST /access_token``.

    Tokens are excluded from ``repr`` so that a stray log line or a traceback with locals
    does not leak them.
    """

    access_token: str = field(repr=False)
    expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_token_expires_at: datetime | None = None

    def access_token_valid(self, now: datetime, leeway: timedelta = timedelta(0)) -> bool:
        return bool(self.access_token) and now + leeway < self.expires_at


class AccessTokenProvider(Protocol):
    """Supplies bearer tokens. ``invalidate`` is called after Webex answered 401."""

    def get_token(self) -> str: ...

    def invalidate(self) -> None: ...


class StaticTokenProvider:
    """A fixed token, e.g. a personal access token pasted for "test connection"."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        # Nothing to refresh: the retry after a 401 fails again and surfaces as auth error.
        return None


def refresh_access_token(
    api_base: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    *,
    timeout: float = 10.0,
    clock: Callable[[], datetime] = _utcnow,
) -> TokenSet:
    """Exchange a refresh token for a new access token (``POST /access_token``).

    Webex may hand out a new refresh token; callers must persist whatever comes back.
    Raises ``WebexAuthFailed`` when Webex rejects the client or the refresh token (the
    municipality's admin has to authorise the app again), other ``WebexError``s otherwise.
    """
    url = f"{api_base.rstrip('/')}/access_token"
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    requested_at = clock()
    try:
        response = httpx.post(
            url,
            data=form,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
    except httpx.TimeoutException as exc:
        raise _log_error(
            WebexTimeout(f"token refresh timed out: {type(exc).__name__}"), "POST", "/access_token"
        ) from exc
    except httpx.TransportError as exc:
        raise _log_error(
            WebexUnavailable(f"token refresh failed: {type(exc).__name__}"), "POST", "/access_token"
        ) from exc
    if response.is_error:
        raise _log_error(
            _error_from_response(response, token_endpoint=True), "POST", "/access_token"
        )
    return _token_set_from_body(_json_body(response), requested_at)


def _token_set_from_body(body: dict[str, Any], requested_at: datetime) -> TokenSet:
    try:
        access_token = str(body["access_token"])
        expires_in = float(body["expires_in"])
        new_refresh_token = str(body["refresh_token"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WebexUnavailable("token endpoint returned an incomplete answer") from exc
    refresh_expires_in = body.get("refresh_token_expires_in")
    # Measured from the moment we asked, so that network latency makes us refresh early
    # rather than use a token a few milliseconds after it expired.
    return TokenSet(
        access_token=access_token,
        expires_at=requested_at + timedelta(seconds=expires_in),
        refresh_token=new_refresh_token,
        refresh_token_expires_at=(
            requested_at + timedelta(seconds=float(refresh_expires_in))
            if refresh_expires_in is not None
            else None
        ),
    )


class RefreshingTokenProvider:
    """Keeps a ``TokenSet`` in memory and refreshes it when it is (nearly) expired or after 401.

    ``on_refresh`` receives every new ``TokenSet`` so the caller can persist the (possibly
    rotated) refresh token. Thread-safe within one process; several processes sharing one
    refresh token need a provider that serialises refreshes through the database instead
    (the ``AccessTokenProvider`` protocol is all the client needs).
    """

    def __init__(
        self,
        api_base: str,
        client_id: str,
        client_secret: str,
        token_set: TokenSet,
        *,
        on_refresh: Callable[[TokenSet], None] | None = None,
        leeway: timedelta = timedelta(seconds=60),
        timeout: float = 10.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._api_base = api_base
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_set = token_set
        self._on_refresh = on_refresh
        self._leeway = leeway
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._invalidated = False

    @property
    def token_set(self) -> TokenSet:
        return self._token_set

    def get_token(self) -> str:
        with self._lock:
            if self._invalidated or not self._token_set.access_token_valid(
                self._clock(), self._leeway
            ):
                self._refresh()
            return self._token_set.access_token

    def invalidate(self) -> None:
        with self._lock:
            self._invalidated = True

    def _refresh(self) -> None:
        new = refresh_access_token(
            self._api_base,
            self._client_id,
            self._client_secret,
            self._token_set.refresh_token,
            timeout=self._timeout,
            clock=self._clock,
        )
        # Keep the new set in memory before persisting: if persisting fails, this process can
        # at least go on working with the (possibly rotated) refresh token it now holds.
        self._token_set = new
        self._invalidated = False
        logger.info("Webex access token refreshed; valid until %s", new.expires_at.isoformat())
        if self._on_refresh is not None:
            self._on_refresh(new)


# --------------------------------------------------------------------------- error mapping


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _tracking_id(response: httpx.Response, body: dict[str, Any]) -> str | None:
    tracking = body.get("trackingId") or response.headers.get("TrackingID")
    return str(tracking) if tracking else None


def _parse_retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (Webex never sends the HTTP-date form)."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return max(value, 0.0)


def _error_class(status: int, *, token_endpoint: bool = False) -> type[WebexError]:
    if status in (401, 403) or (token_endpoint and status == 400):
        # For /access_token a 400 means invalid_grant / invalid_client: re-authorisation needed.
        return WebexAuthFailed
    if status in (404, 410):
        return WebexNotFound
    if status == 429:
        return WebexRateLimited
    if status == 423 or status >= 500:
        return WebexUnavailable
    return WebexBadRequest


def _error_from_response(response: httpx.Response, *, token_endpoint: bool = False) -> WebexError:
    body = _json_body(response)
    message = body.get("message") or body.get("error_description") or response.reason_phrase
    cls = _error_class(response.status_code, token_endpoint=token_endpoint)
    return cls(
        str(message or f"HTTP {response.status_code}"),
        status=response.status_code,
        tracking_id=_tracking_id(response, body),
        retry_after=_parse_retry_after(response),
    )


def _log_error(error: WebexError, method: str, path: str) -> WebexError:
    logger.warning(
        "Webex %s %s failed: code=%s status=%s trackingId=%s message=%s",
        method,
        path,
        error.code,
        error.status,
        error.tracking_id,
        error.message[:_MAX_LOGGED_MESSAGE],
    )
    return error


# --------------------------------------------------------------------------- client


class WebexClient:
    """Thin, retrying client for the parts of the Webex API the Bürgerbüro needs."""

    def __init__(
        self,
        api_base: str,
        access_token_provider: AccessTokenProvider,
        *,
        timeout: float = 10,
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        max_retry_after: float = 30.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        self._api_base = api_base.rstrip("/")
        self._tokens = access_token_provider
        self._max_retries = max_retries
        self._sleep = sleep
        self._max_retry_after = max_retry_after
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            # Webex answers with absolute "next" links; we follow them ourselves (see
            # ``_get_items``) and never want a redirect to carry our bearer token elsewhere.
            follow_redirects=False,
        )

    # -- lifecycle

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WebexClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- meetings

    def create_meeting(
        self,
        title: str,
        start: datetime,
        end: datetime,
        *,
        timezone: str = "Europe/Berlin",
        host_email: str | None = None,
        integration_tags: Sequence[str] = (),
        agenda: str | None = None,
    ) -> dict[str, Any]:
        """Schedule a consultation (``POST /meetings``) and return Webex's meeting object."""
        tags = list(integration_tags)
        if len(tags) > 3 or any(len(tag) > 64 for tag in tags):
            raise ValueError("Webex allows at most 3 integration tags of at most 64 characters")
        payload: dict[str, Any] = {
            "title": title,
            "start": _iso(start),
            "end": _iso(end),
            "timezone": timezone,
            **CONSULTATION_MEETING_SETTINGS,
        }
        if agenda:
            payload["agenda"] = agenda
        if host_email:
            payload["hostEmail"] = host_email
        if tags:
            payload["integrationTags"] = tags
        return self._json("POST", "/meetings", json=payload)

    def get_meeting(self, meeting_id: str, *, host_email: str | None = None) -> dict[str, Any]:
        return self._json(
            "GET", f"/meetings/{_segment(meeting_id)}", params=_host_params(host_email)
        )

    def update_meeting(
        self,
        meeting_id: str,
        *,
        title: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        timezone: str | None = None,
        host_email: str | None = None,
    ) -> dict[str, Any]:
        """Reschedule or rename (``PATCH /meetings/{id}``); only given fields change."""
        payload: dict[str, Any] = {"sendEmail": False}
        if title is not None:
            payload["title"] = title
        if start is not None:
            payload["start"] = _iso(start)
        if end is not None:
            payload["end"] = _iso(end)
        if timezone is not None:
            payload["timezone"] = timezone
        if host_email:
            payload["hostEmail"] = host_email
        return self._json("PATCH", f"/meetings/{_segment(meeting_id)}", json=payload)

    def delete_meeting(self, meeting_id: str, *, host_email: str | None = None) -> bool:
        """Delete a meeting. Returns False when it was already gone (404), which is fine for
        cancellation flows that may run twice."""
        params = {"sendEmail": "false", **_host_params(host_email)}
        try:
            self._request("DELETE", f"/meetings/{_segment(meeting_id)}", params=params)
        except WebexNotFound:
            return False
        return True

    # Webex has no separate "end" for a scheduled meeting: deleting it ends it for everybody.
    end_meeting = delete_meeting

    def create_join_link(
        self,
        meeting_id: str,
        display_name: str,
        email: str,
        *,
        expiration_minutes: int = 15,
        host_email: str | None = None,
    ) -> dict[str, Any]:
        """Personal guest link (``POST /meetings/join``) → ``{startLink, joinLink, expiration}``.

        Links expire, so create them when the citizen clicks "join", not when booking.
        """
        if not 1 <= expiration_minutes <= 60:
            raise ValueError("expiration_minutes must be between 1 and 60")
        payload: dict[str, Any] = {
            "meetingId": meeting_id,
            "displayName": display_name,
            "email": email,
            "expirationMinutes": expiration_minutes,
            # false: answer with JSON instead of a 302 to the join page.
            "joinDirectly": False,
        }
        if host_email:
            payload["hostEmail"] = host_email
        return self._json("POST", "/meetings/join", json=payload)

    # -- lobby

    def list_participants(
        self, meeting_id: str, *, host_email: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"meetingId": meeting_id, "max": str(_MAX_ITEMS_PER_CALL)}
        params.update(_host_params(host_email))
        return self._get_items("/meetingParticipants", params)

    def admit(self, participant_ids: Iterable[str]) -> None:
        """Let lobby participants in (``POST /meetingParticipants/admit`` → 204)."""
        ids = list(participant_ids)
        for chunk_start in range(0, len(ids), _MAX_ITEMS_PER_CALL):
            chunk = ids[chunk_start : chunk_start + _MAX_ITEMS_PER_CALL]
            items = [{"participantId": participant_id} for participant_id in chunk]
            self._request("POST", "/meetingParticipants/admit", json={"items": items})

    # -- people

    def me(self) -> dict[str, Any]:
        """``GET /people/me``: cheapest authenticated call, used for "test connection"."""
        return self._json("GET", "/people/me")

    # -- webhooks

    def create_webhook(
        self,
        name: str,
        target_url: str,
        resource: str,
        event: str,
        secret: str,
        *,
        filter: str | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "name": name,
            "targetUrl": target_url,
            "resource": resource,
            "event": event,
            "secret": secret,
            # Org-wide: the Service App acts for all officials of the municipality.
            "ownedBy": "org",
        }
        if filter:
            payload["filter"] = filter
        return self._json("POST", "/webhooks", json=payload)

    def list_webhooks(self) -> list[dict[str, Any]]:
        return self._get_items("/webhooks", {"max": str(_MAX_ITEMS_PER_CALL), "ownedBy": "org"})

    def delete_webhook(self, webhook_id: str) -> bool:
        """Returns False when the webhook was already gone."""
        try:
            self._request("DELETE", f"/webhooks/{_segment(webhook_id)}")
        except WebexNotFound:
            return False
        return True

    # -- plumbing

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _json_body(self._request(method, path, **kwargs))

    def _get_items(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = path
        query: dict[str, str] | None = params
        while url is not None:
            response = self._request("GET", url, params=query)
            items.extend(_json_body(response).get("items", []))
            url = self._next_link(response)
            query = None  # the next link already carries the query
        return items

    def _next_link(self, response: httpx.Response) -> str | None:
        next_url = response.links.get("next", {}).get("url")
        # Only follow links back to the API we were configured for: anything else would
        # receive our bearer token.
        if next_url and next_url.startswith(self._api_base + "/"):
            return next_url
        return None

    def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = path_or_url if path_or_url.startswith("http") else self._api_base + path_or_url
        log_path = _log_path(url, self._api_base)
        attempt = 0
        auth_retried = False
        while True:
            token = self._tokens.get_token()
            try:
                response = self._http.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError as exc:
                if self._may_retry_transport_error(exc, method, attempt):
                    self._wait(self._backoff(attempt), method, log_path, type(exc).__name__)
                    attempt += 1
                    continue
                raise _log_error(_transport_error(exc), method, log_path) from exc

            status = response.status_code
            if status == 401 and not auth_retried:
                # The token may have been revoked or expired early: get a fresh one, once.
                auth_retried = True
                _log_error(_error_from_response(response), method, log_path)
                self._tokens.invalidate()
                continue
            if status in (423, 429):
                delay = self._rate_limit_delay(response, attempt, method, log_path)
                self._wait(delay, method, log_path, f"HTTP {status}")
                attempt += 1
                continue
            if status >= 500 and attempt < self._max_retries:
                # Retried for every method, POST /meetings included: a 5xx means Webex did not
                # act, as a rule; the rare exception costs an orphan meeting that nobody is
                # mailed about (sendEmail is false), which beats failing a citizen's booking.
                _log_error(_error_from_response(response), method, log_path)
                self._wait(self._backoff(attempt), method, log_path, f"HTTP {status}")
                attempt += 1
                continue
            if response.is_error:
                raise _log_error(_error_from_response(response), method, log_path)
            return response

    def _may_retry_transport_error(
        self, exc: httpx.TransportError, method: str, attempt: int
    ) -> bool:
        if attempt >= self._max_retries:
            return False
        # Connecting failed: the request never reached Webex, so any method is safe to repeat.
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        # Otherwise Webex may have acted on it; only repeat what is harmless to repeat.
        return method in _IDEMPOTENT_METHODS

    def _rate_limit_delay(
        self, response: httpx.Response, attempt: int, method: str, log_path: str
    ) -> float:
        """Seconds to wait before retrying a 429/423, or raise if we should not wait."""
        error = _error_from_response(response)
        retry_after = error.retry_after
        if retry_after is not None and retry_after > self._max_retry_after:
            # Blocking a worker for minutes is worse than failing: let the caller reschedule.
            raise _log_error(error, method, log_path)
        if attempt >= self._max_retries:
            raise _log_error(error, method, log_path)
        _log_error(error, method, log_path)
        return retry_after if retry_after is not None else self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return float(min(self._backoff_base * (2**attempt), self._backoff_max))

    def _wait(self, seconds: float, method: str, log_path: str, reason: str) -> None:
        logger.info("Webex %s %s: %s, retrying in %.1fs", method, log_path, reason, seconds)
        self._sleep(seconds)


def _transport_error(exc: httpx.TransportError) -> WebexError:
    if isinstance(exc, httpx.TimeoutException):
        return WebexTimeout(f"Webex did not answer in time ({type(exc).__name__})")
    return WebexUnavailable(f"could not reach Webex ({type(exc).__name__})")


def _log_path(url: str, api_base: str) -> str:
    """Path without host and query: query strings may contain e-mail addresses."""
    path = url[len(api_base) :] if url.startswith(api_base) else httpx.URL(url).path
    return path.split("?", 1)[0]


def _segment(value: str) -> str:
    """Reject ids that would change the request path (they come from our DB, but still)."""
    if not value or "/" in value or "?" in value or "#" in value or value in (".", ".."):
        raise ValueError("invalid Webex id")
    return value


def _host_params(host_email: str | None) -> dict[str, str]:
    return {"hostEmail": host_email} if host_email else {}


def _iso(moment: datetime) -> str:
    """ISO 8601 with offset; naive datetimes are refused because their meaning is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("start/end must be timezone-aware datetimes")
    return moment.isoformat(timespec="seconds")
