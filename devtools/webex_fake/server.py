"""A stateful fake of the Cisco Webex REST API, served over real HTTP on loopback.

Built from Cisco's OpenAPI descriptions (shared/webex/*.json); the conformance tests in
``tests/videoconf/test_webex_fake_conformance.py`` validate its answers against them so it
cannot silently drift from the real API. Used by the client tests and, through
``python -m devtools.webex_fake``, for local development without a Webex account.

Serves the API below ``/v1`` (so ``base_url`` is a drop-in for ``https://webexapis.com/v1``)
and a control API below ``/_fake`` for tests run from another process. In-process tests use
the Python methods (``register_app``, ``fail_next``, ``delay_next``, ``requests`` ...).

Not a security boundary: it records bearer tokens and bodies so tests can assert on them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import itertools
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger("devtools.webex_fake")

API_PREFIX = "/v1"
CONTROL_PREFIX = "/_fake"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

# Texts as the real API words them (see the examples in the OpenAPI descriptions).
MSG_INVALID_ITEMS = "The input parameters contain invalid items."
MSG_UNAUTHORIZED = (
    "The request requires a valid access token set in the Authorization request header."
)
MSG_NOT_FOUND = "The requested resource could not be found."

# Enumerations copied from the OpenAPI descriptions.
JOIN_SECURITY_VALUES = ("allowJoin", "allowJoinWithLobby", "blockFromJoin")
JOIN_BEFORE_HOST_MINUTES = (0, 5, 10, 15)
WEBHOOK_RESOURCES = (
    "attachmentActions", "dataSources", "memberships", "messages", "rooms", "meetings",
    "recordings", "convergedRecordings", "meetingParticipants", "meetingTranscripts",
    "telephony_calls", "telephony_conference", "telephony_mwi", "uc_counters", "serviceApp",
    "adminBatchJobs",
)  # fmt: skip
WEBHOOK_EVENTS = (
    "created", "updated", "deleted", "started", "ended", "joined", "left", "migrated",
    "authorized", "deauthorized", "statusChanged",
)  # fmt: skip
PARTICIPANT_STATES = ("lobby", "joined", "end", "breakoutSession")

MIN_DURATION = timedelta(minutes=10)
MAX_DURATION = timedelta(hours=23, minutes=59)
DEFAULT_ACCESS_TOKEN_LIFETIME = 14 * 24 * 3600  # Webex: 14 days
DEFAULT_REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600  # Webex: 90 days
_STATUS_MESSAGES = {
    400: "Bad Request",
    401: MSG_UNAUTHORIZED,
    403: "The request is understood, but it has been refused or access is not allowed.",
    404: MSG_NOT_FOUND,
    409: "The request could not be processed because it conflicts with the current state.",
    423: "The requested resource is temporarily unavailable.",
    429: "Too Many Requests: the request has been rate limited.",
    500: "Something went wrong on the server.",
    502: "Bad Gateway: the server received an invalid response from an upstream server.",
    503: "Service Unavailable: server is overloaded with requests. Try again later.",
    504: "Gateway Timeout: an upstream server failed to respond on time.",
}


def _b64_id(kind: str, value: str) -> str:
    """Webex ids are base64 of ``ciscospark://us/<KIND>/<uuid>`` (URL-safe here on purpose)."""
    raw = f"ciscospark://us/{kind}/{value}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_webhook_body(body: bytes, secret: str) -> str:
    """``X-Spark-Signature``: hex HMAC-SHA1 of the raw body, keyed with the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


# --------------------------------------------------------------------------- data


@dataclass
class RecordedRequest:
    """One request received below ``/v1``, for assertions in tests."""

    method: str
    path: str  # below /v1, e.g. "/meetings/abc"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] | None = None
    status: int = 0
    tracking_id: str = ""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def bearer_token(self) -> str | None:
        value = self.header("Authorization") or ""
        return value[7:] if value.startswith("Bearer ") else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = self.body.decode("utf-8", "replace")
        return data


@dataclass
class FakeApp:
    client_id: str
    client_secret: str
    org_id: str
    kind: str  # "service_app" (needs hostEmail) or "integration" (acts as its user)
    admin: bool
    email: str
    display_name: str
    person_id: str
    access_token_lifetime: int
    refresh_token_lifetime: int
    rotate_refresh_token: bool
    refresh_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires (epoch)


@dataclass(frozen=True)
class AppCredentials:
    """What ``register_app`` hands back: enough to build a ``TokenSet`` in a test."""

    client_id: str
    client_secret: str
    refresh_token: str
    access_token: str
    access_token_expires_at: datetime
    refresh_token_expires_at: datetime
    org_id: str
    email: str


@dataclass
class _Token:
    app: FakeApp
    expires_at: float


@dataclass
class _Rule:
    """An injected failure or delay for the next ``remaining`` matching requests."""

    path_prefix: str
    method: str | None
    remaining: int
    status: int = 0
    retry_after: float | None = None
    message: str | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and path.startswith(self.path_prefix)
            and (self.method is None or self.method == method)
        )


@dataclass
class _Meeting:
    org_id: str
    data: dict[str, Any]
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _JoinLink:
    meeting_id: str
    role: str  # "host" or "attendee"
    display_name: str
    email: str
    expires_at: float


@dataclass
class _Webhook:
    org_id: str
    data: dict[str, Any]  # exactly what the API answers (the spec's Webhook object)
    envelope: dict[str, str]  # orgId, createdBy, appId: only sent in event envelopes


class ApiError(Exception):
    """Raised by handlers; rendered as Webex's error body."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        descriptions: list[str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message or _STATUS_MESSAGES.get(status, HTTPStatus(status).phrase)
        self.descriptions = descriptions or [self.message]
        self.headers = headers or {}
        self.extra = extra or {}


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = JSON_CONTENT_TYPE


@dataclass
class _Ctx:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    app: FakeApp | None = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def content_type(self) -> str:
        lowered = {k.lower(): v for k, v in self.headers.items()}
        return lowered.get("content-type", "").split(";", 1)[0].strip().lower()

    def json_object(self) -> dict[str, Any]:
        if self.content_type() not in ("application/json", "application/json-patch+json"):
            raise ApiError(415, "Unsupported Media Type: send application/json.")
        try:
            data = json.loads(self.body or b"null")
        except ValueError as exc:
            raise ApiError(400, "Invalid JSON in request body.") from exc
        if not isinstance(data, dict):
            raise ApiError(400, MSG_INVALID_ITEMS, ["The request body must be a JSON object."])
        return data


Handler = Callable[["FakeWebex", _Ctx, dict[str, str]], _Response]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    auth: bool = True


def _route(method: str, path: str, handler: str, *, auth: bool = True) -> _Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return _Route(method, re.compile(f"^{regex}$"), handler, auth)


# Order matters: "/meetings/join" must win over "/meetings/{meetingId}".
ROUTES: tuple[_Route, ...] = (
    _route("POST", "/access_token", "_h_access_token", auth=False),
    _route("POST", "/meetings/join", "_h_join_meeting"),
    _route("POST", "/meetings", "_h_create_meeting"),
    _route("GET", "/meetings/{meetingId}", "_h_get_meeting"),
    _route("PATCH", "/meetings/{meetingId}", "_h_patch_meeting"),
    _route("DELETE", "/meetings/{meetingId}", "_h_delete_meeting"),
    _route("GET", "/meetingParticipants", "_h_list_participants"),
    _route("POST", "/meetingParticipants/admit", "_h_admit"),
    _route("POST", "/webhooks", "_h_create_webhook"),
    _route("GET", "/webhooks", "_h_list_webhooks"),
    _route("GET", "/webhooks/{webhookId}", "_h_get_webhook"),
    _route("DELETE", "/webhooks/{webhookId}", "_h_delete_webhook"),
    _route("GET", "/people/me", "_h_people_me"),
)


# --------------------------------------------------------------------------- the fake


class FakeWebex:
    """The fake server. Use as a context manager or call ``start()``/``stop()``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        site_url: str = "fake-site.webex.com",
        start_tolerance: float = 60.0,
        deliver_webhooks: bool = False,
    ) -> None:
        self._host = host
        self._port = port
        self.site_url = site_url
        # Like real Webex: POST signed events to the registered targetUrls when a meeting
        # starts/ends or somebody joins/leaves through the fake's links (local development).
        # Tests usually leave this off and post ``meeting_events(...)`` through their client.
        self.deliver_webhooks = deliver_webhooks
        # Clients compute "now" a moment before we see it; real Webex rounds to the minute.
        self.start_tolerance = start_tolerance
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._reset_state()

    # -- lifecycle

    def start(self) -> FakeWebex:
        server = ThreadingHTTPServer((self._host, self._port), _make_handler(self))
        server.daemon_threads = True
        # Do not wait for handlers stuck in an injected delay when shutting down.
        server.block_on_close = False
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
            name=f"fake-webex-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Block until ``stop()`` (or Ctrl-C); for ``python -m devtools.webex_fake``."""
        if self._server is None:
            self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    def __enter__(self) -> FakeWebex:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("fake Webex server is not running")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Drop-in replacement for ``https://webexapis.com/v1``."""
        return self.root_url + API_PREFIX

    # -- clock

    def now(self) -> float:
        return time.time() + self._clock_offset

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance_time(self, seconds: float) -> None:
        """Move the fake's clock, e.g. to let tokens expire."""
        with self._lock:
            self._clock_offset += seconds

    # -- control API: apps and tokens

    def reset(self) -> None:
        with self._lock:
            self._reset_state()

    def _reset_state(self) -> None:
        self._apps: dict[str, FakeApp] = {}
        self._tokens: dict[str, _Token] = {}
        self._meetings: dict[str, _Meeting] = {}
        self._join_links: dict[str, _JoinLink] = {}
        self._webhooks: dict[str, _Webhook] = {}
        self._failures: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._requests: list[RecordedRequest] = []
        self._clock_offset = 0.0
        self._participant_seq = itertools.count(1)

    def register_app(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        access_token: str | None = None,
        access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME,
        refresh_token_lifetime: int = DEFAULT_REFRESH_TOKEN_LIFETIME,
        rotate_refresh_token: bool = True,
        kind: str = "service_app",
        admin: bool = True,
        email: str | None = None,
        display_name: str | None = None,
        org_id: str | None = None,
    ) -> AppCredentials:
        """Register an authorised app (one per municipality, usually) and issue a token.

        Each app gets its own organisation unless ``org_id`` is given, so meetings created
        with one app's token are invisible (404) to another app, as across real orgs.
        """
        if kind not in ("service_app", "integration"):
            raise ValueError("kind must be 'service_app' or 'integration'")
        with self._lock:
            app = FakeApp(
                client_id=client_id,
                client_secret=client_secret,
                org_id=org_id or _b64_id("ORGANIZATION", str(uuid.uuid4())),
                kind=kind,
                admin=admin,
                email=email or f"{client_id}@fake-apps.webex.example",
                display_name=display_name or f"App {client_id}",
                person_id=_b64_id("PEOPLE", str(uuid.uuid4())),
                access_token_lifetime=access_token_lifetime,
                refresh_token_lifetime=refresh_token_lifetime,
                rotate_refresh_token=rotate_refresh_token,
            )
            app.refresh_tokens[refresh_token] = self.now() + refresh_token_lifetime
            self._apps[client_id] = app
            token = self._issue_access_token(app, access_token)
            return AppCredentials(
                client_id=client_id,
                client_secret=client_secret,
                refresh_token=refresh_token,
                access_token=token,
                access_token_expires_at=datetime.fromtimestamp(self._tokens[token].expires_at, UTC),
                refresh_token_expires_at=datetime.fromtimestamp(
                    app.refresh_tokens[refresh_token], UTC
                ),
                org_id=app.org_id,
                email=app.email,
            )

    def issue_access_token(self, client_id: str, *, lifetime: int | None = None) -> str:
        with self._lock:
            return self._issue_access_token(self._apps[client_id], None, lifetime)

    def _issue_access_token(
        self, app: FakeApp, token: str | None, lifetime: int | None = None
    ) -> str:
        token = token or f"fake-at-{secrets.token_urlsafe(24)}"
        lifetime = app.access_token_lifetime if lifetime is None else lifetime
        self._tokens[token] = _Token(app, self.now() + lifetime)
        return token

    def expire_access_token(self, token: str) -> None:
        """Make Webex answer 401 for ``token`` from now on (as after revocation/expiry)."""
        with self._lock:
            if token in self._tokens:
                self._tokens[token].expires_at = self.now() - 1

    def revoke_refresh_token(self, client_id: str, refresh_token: str) -> None:
        with self._lock:
            self._apps[client_id].refresh_tokens.pop(refresh_token, None)

    def valid_refresh_tokens(self, client_id: str) -> list[str]:
        with self._lock:
            app = self._apps[client_id]
            return [t for t, exp in app.refresh_tokens.items() if exp > self.now()]

    # -- control API: failures, delays, recordings

    def fail_next(
        self,
        path_prefix: str,
        status: int = 503,
        count: int = 1,
        *,
        method: str | None = None,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``count`` requests below ``path_prefix`` with ``status``."""
        with self._lock:
            self._failures.append(
                _Rule(
                    _api_path(path_prefix),
                    method and method.upper(),
                    count,
                    status,
                    retry_after,
                    message,
                )
            )

    def delay_next(
        self, path_prefix: str, seconds: float, count: int = 1, *, method: str | None = None
    ) -> None:
        """Hold the next ``count`` matching requests for ``seconds`` before handling them."""
        with self._lock:
            self._delays.append(
                _Rule(_api_path(path_prefix), method and method.upper(), count, seconds=seconds)
            )

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def requests(
        self, method: str | None = None, path_prefix: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded API requests, oldest first, optionally filtered."""
        with self._lock:
            return [
                r for r in self._requests
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(_api_path(path_prefix)))
            ]  # fmt: skip

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- control API: meetings and participants

    def meeting(self, meeting_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._meetings.get(meeting_id)
            return dict(found.data) if found else None

    def set_meeting_state(self, meeting_id: str, state: str) -> None:
        with self._lock:
            self._meetings[meeting_id].data["state"] = state

    def add_participant(
        self,
        meeting_id: str,
        display_name: str,
        email: str,
        *,
        state: str = "lobby",
        host: bool = False,
    ) -> dict[str, Any]:
        """Put somebody into a meeting (lobby by default), as if they had clicked a link."""
        if state not in PARTICIPANT_STATES:
            raise ValueError(f"state must be one of {PARTICIPANT_STATES}")
        with self._lock:
            return dict(
                self._add_participant(
                    self._meetings[meeting_id], display_name, email, state=state, host=host
                )
            )

    def _add_participant(
        self, meeting: _Meeting, display_name: str, email: str, *, state: str, host: bool
    ) -> dict[str, Any]:
        meeting_id = meeting.data["id"]
        participant_id = f"{meeting_id}_I_{next(self._participant_seq)}_{uuid.uuid4()}"
        participant: dict[str, Any] = {
            "id": participant_id,
            "orgId": meeting.org_id,
            "host": host,
            "coHost": False,
            "spaceModerator": False,
            "email": email,
            "displayName": display_name,
            "invitee": False,
            "muted": False,
            "meetingStartTime": meeting.data["start"],
            "video": "on",
            "state": state,
            "siteUrl": self.site_url,
            "meetingId": meeting_id,
            "hostEmail": meeting.data["hostEmail"],
            "devices": [],
        }
        if state == "joined":
            participant["joinedTime"] = _iso_utc(self.now_dt())
        meeting.participants[participant_id] = participant
        return participant

    # -- webhook events

    def webhooks_for(self, resource: str, event: str) -> list[str]:
        """Ids of the registered webhooks that would fire for ``resource``/``event``."""
        with self._lock:
            return [
                wid for wid, hook in self._webhooks.items()
                if hook.data["resource"] == resource and hook.data["event"] in (event, "all")
            ]  # fmt: skip

    def org_webhooks_for(self, org_id: str, resource: str, event: str) -> list[str]:
        """Like ``webhooks_for``, limited to one organisation (Webex never crosses orgs)."""
        with self._lock:
            return [
                wid for wid, hook in self._webhooks.items()
                if hook.org_id == org_id and hook.data["resource"] == resource
                and hook.data["event"] in (event, "all")
            ]  # fmt: skip

    def meeting_events(
        self, meeting_id: str, event: str
    ) -> list[tuple[str, bytes, dict[str, str]]]:
        """``(targetUrl, body, headers)`` of every signed delivery Webex would make for the
        ``meetings``/``event`` (``started``, ``ended``) of this meeting."""
        with self._lock:
            org_id = self._meetings[meeting_id].org_id
        data = self.meeting_event_data(meeting_id)
        return self._deliveries(org_id, "meetings", event, data)

    def participant_events(
        self, meeting_id: str, participant_id: str, event: str
    ) -> list[tuple[str, bytes, dict[str, str]]]:
        """Deliveries for ``meetingParticipants``/``event`` (``joined``, ``left``)."""
        with self._lock:
            org_id = self._meetings[meeting_id].org_id
        data = self.participant_event_data(meeting_id, participant_id)
        return self._deliveries(org_id, "meetingParticipants", event, data)

    def _deliveries(
        self, org_id: str, resource: str, event: str, data: dict[str, Any]
    ) -> list[tuple[str, bytes, dict[str, str]]]:
        out = []
        for webhook_id in self.org_webhooks_for(org_id, resource, event):
            # The envelope names the webhook's own event ("all" hooks get the concrete one).
            body, headers = self.build_webhook_event(webhook_id, data)
            envelope = json.loads(body)
            if envelope["event"] != event:
                envelope["event"] = event
                body = json.dumps(envelope, separators=(",", ":")).encode()
                with self._lock:
                    secret = self._webhooks[webhook_id].data.get("secret")
                if secret:
                    headers["X-Spark-Signature"] = sign_webhook_body(body, secret)
            out.append((envelope["targetUrl"], body, headers))
        return out

    def _emit(self, deliveries: list[tuple[str, bytes, dict[str, str]]]) -> None:
        """Deliver in the background when ``deliver_webhooks`` is on (never blocks the API)."""
        if not self.deliver_webhooks or not deliveries:
            return

        def run() -> None:
            import httpx  # local: the fake itself must not need httpx to serve

            for target, body, headers in deliveries:
                try:
                    httpx.post(target, content=body, headers=headers, timeout=5.0)
                except httpx.HTTPError as exc:
                    logger.warning("fake Webex could not deliver to %s: %r", target, exc)

        threading.Thread(target=run, daemon=True, name="fake-webex-webhooks").start()

    def meeting_event_data(self, meeting_id: str) -> dict[str, Any]:
        """``data`` of a ``meetings`` webhook event for this meeting."""
        with self._lock:
            meeting = self._meetings[meeting_id]
            keys = (
                "id",
                "meetingNumber",
                "title",
                "start",
                "end",
                "timezone",
                "state",
                "hostUserId",
                "hostEmail",
                "siteUrl",
                "meetingType",
                "integrationTags",
            )
            data = {k: meeting.data[k] for k in keys if k in meeting.data}
            data.update(meetingSeriesId=meeting_id, orgId=meeting.org_id)
            return data

    def participant_event_data(self, meeting_id: str, participant_id: str) -> dict[str, Any]:
        """``data`` of a ``meetingParticipants`` webhook event: the participant object."""
        with self._lock:
            return dict(self._meetings[meeting_id].participants[participant_id])

    def build_webhook_event(
        self, webhook_id: str, data: dict[str, Any], *, actor_id: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Body and headers Webex would POST to the webhook's ``targetUrl``."""
        with self._lock:
            stored = self._webhooks[webhook_id]
            hook = {**stored.data, **stored.envelope}
            envelope = {
                "id": hook["id"],
                "name": hook["name"],
                "targetUrl": hook["targetUrl"],
                "resource": hook["resource"],
                "event": hook["event"],
                "orgId": hook["orgId"],
                "createdBy": hook["createdBy"],
                "appId": hook["appId"],
                "ownedBy": hook["ownedBy"],
                "status": hook["status"],
                "created": hook["created"],
                "actorId": actor_id or hook["createdBy"],
                "data": data,
            }
            if "filter" in hook:
                envelope["filter"] = hook["filter"]
            secret = hook.get("secret")
        body = json.dumps(envelope, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "TrackingID": _tracking_id("WH")}
        if secret:
            headers["X-Spark-Signature"] = sign_webhook_body(body, secret)
        return body, headers

    def deliver_webhook_event(
        self,
        webhook_id: str,
        data: dict[str, Any],
        *,
        actor_id: str | None = None,
        timeout: float = 5.0,
    ) -> Any:
        """Actually POST the signed event to the target URL; returns the ``httpx.Response``."""
        import httpx  # local: the fake itself must not need httpx to serve

        body, headers = self.build_webhook_event(webhook_id, data, actor_id=actor_id)
        with self._lock:
            target = self._webhooks[webhook_id].data["targetUrl"]
        return httpx.post(target, content=body, headers=headers, timeout=timeout)

    # -- request pipeline (called from handler threads)

    def _handle_api(self, ctx: _Ctx) -> tuple[_Response, str]:
        tracking_id = _tracking_id()
        record = self._record(ctx, tracking_id)
        delay = self._take_rule(self._delays, ctx)
        if delay is not None and self._stopping.wait(delay.seconds):
            return _Response(503, _error_body(ApiError(503), tracking_id)), tracking_id
        response = self._dispatch(ctx, tracking_id)
        with self._lock:
            record.status = response.status
        return response, tracking_id

    def _record(self, ctx: _Ctx, tracking_id: str) -> RecordedRequest:
        parsed_json: Any = None
        form: dict[str, str] | None = None
        if ctx.content_type() == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in parse_qs(ctx.body.decode("utf-8", "replace")).items()}
        elif ctx.body:
            try:
                parsed_json = json.loads(ctx.body)
            except ValueError:
                parsed_json = None
        record = RecordedRequest(
            ctx.method,
            ctx.path,
            ctx.query,
            dict(ctx.headers),
            ctx.body,
            parsed_json,
            form,
            tracking_id=tracking_id,
        )
        with self._lock:
            self._requests.append(record)
        return record

    def _take_rule(self, rules: list[_Rule], ctx: _Ctx) -> _Rule | None:
        with self._lock:
            for rule in rules:
                if rule.matches(ctx.method, ctx.path):
                    rule.remaining -= 1
                    return rule
        return None

    def _dispatch(self, ctx: _Ctx, tracking_id: str) -> _Response:
        try:
            failure = self._take_rule(self._failures, ctx)
            if failure is not None:
                raise _injected_error(failure)
            route, params = _match_route(ctx)
            with self._lock:
                if route.auth:
                    ctx.app = self._authenticate(ctx)
                handler: Handler = getattr(type(self), route.handler)
                return handler(self, ctx, params)
        except ApiError as error:
            response = _Response(error.status, _error_body(error, tracking_id), error.headers)
            return response
        except Exception:  # a bug in the fake must still look like a Webex 500
            logger.exception("fake Webex crashed on %s %s", ctx.method, ctx.path)
            return _Response(500, _error_body(ApiError(500), tracking_id))

    def _authenticate(self, ctx: _Ctx) -> FakeApp:
        header = {k.lower(): v for k, v in ctx.headers.items()}.get("authorization", "")
        scheme, _, token = header.partition(" ")
        found = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if found is None or found.expires_at <= self.now():
            raise ApiError(401, MSG_UNAUTHORIZED)
        return found.app

    # -- handlers: OAuth

    def _h_access_token(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        if ctx.content_type() != "application/x-www-form-urlencoded":
            raise ApiError(415, "Unsupported Media Type: send application/x-www-form-urlencoded.")
        form = {k: v[0] for k, v in parse_qs(ctx.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "refresh_token":
            raise _oauth_error("unsupported_grant_type", "Only grant_type=refresh_token is faked.")
        app = self._apps.get(form.get("client_id", ""))
        if app is None or not hmac.compare_digest(app.client_secret, form.get("client_secret", "")):
            raise _oauth_error("invalid_client", "Client authentication failed.")
        old = form.get("refresh_token", "")
        expires = app.refresh_tokens.get(old)
        if expires is None or expires <= self.now():
            raise _oauth_error("invalid_grant", "The refresh token is invalid or expired.")
        new_refresh = old
        if app.rotate_refresh_token:
            # Rotation: the old refresh token dies, so a client that fails to store the new
            # one is locked out – exactly the bug the tests should catch.
            del app.refresh_tokens[old]
            new_refresh = f"fake-rt-{secrets.token_urlsafe(24)}"
            expires = self.now() + app.refresh_token_lifetime
            app.refresh_tokens[new_refresh] = expires
        access = self._issue_access_token(app, None)
        return _Response(200, {
            "access_token": access,
            "expires_in": app.access_token_lifetime,
            "refresh_token": new_refresh,
            "refresh_token_expires_in": max(int(expires - self.now()), 0),
            "token_type": "Bearer",
        })  # fmt: skip

    # -- handlers: meetings

    def _h_create_meeting(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        body = ctx.json_object()
        host_email = self._resolve_host(app, body.get("hostEmail"))
        fields = self._validate_meeting(body, partial=False)
        meeting_id = uuid.uuid4().hex
        number = str(2_000_000_000 + secrets.randbelow(799_999_999))
        password = body.get("password") or _meeting_password()
        data: dict[str, Any] = {
            "id": meeting_id,
            "meetingNumber": number,
            "title": fields["title"],
            "password": password,
            "phoneAndVideoSystemPassword": "".join(str(secrets.randbelow(10)) for _ in range(8)),
            "meetingType": "meetingSeries",
            "state": "active",
            "timezone": fields["timezone"],
            "start": fields["start"],
            "end": fields["end"],
            "hostUserId": _b64_id("PEOPLE", hashlib.sha256(host_email.encode()).hexdigest()[:32]),
            "hostDisplayName": host_email.split("@", 1)[0],
            "hostEmail": host_email,
            "hostKey": f"{secrets.randbelow(1_000_000):06d}",
            "siteUrl": self.site_url,
            "webLink": f"https://{self.site_url}/{self.site_url.split('.')[0]}/j.php?MTID=m{meeting_id}",
            "sipAddress": f"{number}@{self.site_url}",
            "dialInIpAddress": "192.0.2.10",
            "enabledAutoRecordMeeting": bool(body.get("enabledAutoRecordMeeting", False)),
            "allowAnyUserToBeCoHost": bool(body.get("allowAnyUserToBeCoHost", False)),
            "enabledJoinBeforeHost": fields["enabledJoinBeforeHost"],
            "enableConnectAudioBeforeHost": bool(body.get("enableConnectAudioBeforeHost", False)),
            "joinBeforeHostMinutes": fields["joinBeforeHostMinutes"],
            "excludePassword": bool(body.get("excludePassword", False)),
            "publicMeeting": bool(body.get("publicMeeting", False)),
            "reminderTime": int(body.get("reminderTime", 10)),
            "unlockedMeetingJoinSecurity": fields["unlockedMeetingJoinSecurity"],
            "sessionTypeId": 3,
            "scheduledType": "meeting",
            "enabledWebcastView": False,
            "enableAutomaticLock": fields["enableAutomaticLock"],
            "automaticLockMinutes": int(body.get("automaticLockMinutes", 0)),
            "allowFirstUserToBeCoHost": bool(body.get("allowFirstUserToBeCoHost", False)),
            "allowAuthenticatedDevices": bool(body.get("allowAuthenticatedDevices", False)),
            "telephony": {
                "accessCode": number,
                "callInNumbers": [
                    {
                        "label": "Einwahl (gebührenpflichtig)",
                        "callInNumber": "+49 69 0000000",
                        "tollType": "toll",
                    },
                ],
            },
            "meetingOptions": {"enabledChat": True, "enabledVideo": True},
            "enabledBreakoutSessions": False,
            "requireAttendeeLogin": False,
            "restrictToInvitees": False,
        }
        if body.get("agenda"):
            data["agenda"] = str(body["agenda"])
        if fields.get("integrationTags"):
            data["integrationTags"] = fields["integrationTags"]
        self._meetings[meeting_id] = _Meeting(app.org_id, data)
        return _Response(200, dict(data))

    def _resolve_host(self, app: FakeApp, host_email: Any) -> str:
        if host_email is not None and (not isinstance(host_email, str) or "@" not in host_email):
            raise ApiError(400, MSG_INVALID_ITEMS, ["hostEmail is not a valid email address."])
        if app.kind == "service_app":
            if not host_email:
                raise ApiError(
                    400,
                    MSG_INVALID_ITEMS,
                    ["hostEmail is required when a Service App calls this API."],
                )
            return host_email
        if host_email and host_email != app.email and not app.admin:
            raise ApiError(403, "hostEmail requires admin-level or on-behalf-of scopes.")
        return host_email or app.email

    def _validate_meeting(
        self, body: dict[str, Any], *, partial: bool, current: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Check the fields Webex checks; collect every problem like Webex does."""
        errors: list[str] = []
        base = current or {}
        out: dict[str, Any] = {}

        title = body.get("title", base.get("title"))
        if not isinstance(title, str) or not title.strip():
            errors.append("title is required and must be a non-empty string.")
        elif len(title) > 128:
            errors.append("title can be a maximum of 128 characters long.")
        out["title"] = title

        tz_name = body.get("timezone", base.get("timezone", "UTC"))
        tz = _zone(tz_name, errors)
        out["timezone"] = tz_name if tz is not None else None

        start = _parse_moment(body.get("start", base.get("start")), tz, "start", errors)
        end = _parse_moment(body.get("end", base.get("end")), tz, "end", errors)
        if start is not None and end is not None:
            self._check_times(start, end, errors, check_past=not partial or "start" in body)
            out["start"] = _format_moment(start, tz)
            out["end"] = _format_moment(end, tz)

        jbh = body.get("enabledJoinBeforeHost", base.get("enabledJoinBeforeHost", False))
        if not isinstance(jbh, bool):
            errors.append("enabledJoinBeforeHost must be a boolean.")
        out["enabledJoinBeforeHost"] = jbh
        minutes = body.get("joinBeforeHostMinutes", base.get("joinBeforeHostMinutes", 0))
        if isinstance(minutes, bool) or minutes not in JOIN_BEFORE_HOST_MINUTES:
            errors.append("joinBeforeHostMinutes must be one of 0, 5, 10, 15 for a meeting.")
        out["joinBeforeHostMinutes"] = minutes

        security = body.get(
            "unlockedMeetingJoinSecurity", base.get("unlockedMeetingJoinSecurity", "allowJoin")
        )
        if security not in JOIN_SECURITY_VALUES:
            errors.append(f"unlockedMeetingJoinSecurity must be one of {JOIN_SECURITY_VALUES}.")
        out["unlockedMeetingJoinSecurity"] = security

        lock = body.get("enableAutomaticLock", base.get("enableAutomaticLock", False))
        if not isinstance(lock, bool):
            errors.append("enableAutomaticLock must be a boolean.")
        out["enableAutomaticLock"] = lock

        send_email = body.get("sendEmail", True)
        if not isinstance(send_email, bool):
            errors.append("sendEmail must be a boolean.")

        tags = body.get("integrationTags", base.get("integrationTags", []))
        if not isinstance(tags, list) or any(not isinstance(t, str) for t in tags):
            errors.append("integrationTags must be an array of strings.")
        elif len(tags) > 3 or any(len(t) > 64 for t in tags):
            errors.append("integrationTags: at most 3 items of at most 64 characters.")
        out["integrationTags"] = tags

        if errors:
            raise ApiError(400, MSG_INVALID_ITEMS, errors)
        return out

    def _check_times(
        self, start: datetime, end: datetime, errors: list[str], *, check_past: bool
    ) -> None:
        now = self.now_dt()
        if check_past and start < now - timedelta(seconds=self.start_tolerance):
            errors.append("start cannot be before current date and time.")
        if end <= start:
            errors.append("end cannot be before start.")
            return
        duration = end - start
        if duration < MIN_DURATION:
            errors.append("The duration between start and end cannot be shorter than 10 minutes.")
        if duration > MAX_DURATION:
            errors.append(
                "The duration between start and end cannot be longer than 23 hours 59 minutes."
            )

    def _owned_meeting(self, app: FakeApp, meeting_id: str) -> _Meeting:
        meeting = self._meetings.get(meeting_id)
        if meeting is None or meeting.org_id != app.org_id:
            # Another org's meeting must look exactly like a missing one.
            raise ApiError(404, MSG_NOT_FOUND)
        return meeting

    def _h_get_meeting(self, ctx: _Ctx, params: dict[str, str]) -> _Response:
        meeting = self._owned_meeting(_app(ctx), params["meetingId"])
        return _Response(200, dict(meeting.data))

    def _h_patch_meeting(self, ctx: _Ctx, params: dict[str, str]) -> _Response:
        app = _app(ctx)
        meeting = self._owned_meeting(app, params["meetingId"])
        body = ctx.json_object()
        if body.get("hostEmail"):
            self._resolve_host(app, body["hostEmail"])
        if meeting.data["state"] in ("inProgress", "ended"):
            raise ApiError(400, MSG_INVALID_ITEMS, ["A meeting in progress cannot be edited."])
        fields = self._validate_meeting(body, partial=True, current=meeting.data)
        meeting.data.update({k: v for k, v in fields.items() if k != "integrationTags"})
        if "integrationTags" in body:
            # The spec: an empty or null list deletes all tags.
            if fields["integrationTags"]:
                meeting.data["integrationTags"] = fields["integrationTags"]
            else:
                meeting.data.pop("integrationTags", None)
        for key in ("agenda", "password"):
            if isinstance(body.get(key), str):
                meeting.data[key] = body[key]
        # PATCH answers with the "list meeting" shape, which also names the series.
        return _Response(200, {**meeting.data, "meetingSeriesId": meeting.data["id"]})

    def _h_delete_meeting(self, ctx: _Ctx, params: dict[str, str]) -> _Response:
        meeting = self._owned_meeting(_app(ctx), params["meetingId"])
        ended = []
        if meeting.data["state"] == "inProgress" and self.deliver_webhooks:
            # Deleting a running meeting ends it for everybody, which Webex reports.
            meeting.data["state"] = "ended"
            ended = self.meeting_events(params["meetingId"], "ended")
        del self._meetings[params["meetingId"]]
        self._emit(ended)
        return _Response(204)

    def _h_join_meeting(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        body = ctx.json_object()
        meeting = self._find_join_target(app, body)
        errors: list[str] = []
        minutes = body.get("expirationMinutes", 5)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 60:
            errors.append("expirationMinutes must be between 1 and 60.")
        email, display_name = body.get("email"), body.get("displayName")
        if display_name is not None and not email:
            errors.append("If displayName is specified, email must be specified as well.")
        if display_name is not None and (
            not isinstance(display_name, str) or len(display_name) > 128
        ):
            errors.append("displayName can be a maximum of 128 characters long.")
        if errors:
            raise ApiError(400, MSG_INVALID_ITEMS, errors)
        host_email = self._resolve_host(app, body.get("hostEmail"))
        if host_email != meeting.data["hostEmail"]:
            raise ApiError(403, "hostEmail is not the host of this meeting.")
        expires = self.now() + minutes * 60
        start_token, join_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        meeting_id = meeting.data["id"]
        self._join_links[start_token] = _JoinLink(
            meeting_id, "host", meeting.data["hostDisplayName"], host_email, expires
        )
        guest_email = email or app.email
        self._join_links[join_token] = _JoinLink(
            meeting_id, "attendee", display_name or guest_email, guest_email, expires
        )
        join_link = f"{self.root_url}{CONTROL_PREFIX}/join/{join_token}"
        if body.get("createJoinLinkAsWebLink"):
            join_link = meeting.data["webLink"]
        links = {
            "startLink": f"{self.root_url}{CONTROL_PREFIX}/join/{start_token}",
            "joinLink": join_link,
            "expiration": _iso_utc(datetime.fromtimestamp(expires, UTC)),
        }
        if body.get("joinDirectly", True):
            # The spec: without joinDirectly=false Webex redirects to the join link.
            return _Response(302, None, {"Location": links["joinLink"]})
        return _Response(200, links)

    def _find_join_target(self, app: FakeApp, body: dict[str, Any]) -> _Meeting:
        if body.get("meetingId"):
            return self._owned_meeting(app, str(body["meetingId"]))
        for key in ("meetingNumber", "webLink"):
            if body.get(key):
                for meeting in self._meetings.values():
                    if meeting.org_id == app.org_id and meeting.data[key] == body[key]:
                        return meeting
                raise ApiError(404, MSG_NOT_FOUND)
        raise ApiError(
            400, MSG_INVALID_ITEMS, ["One of meetingId, meetingNumber or webLink is required."]
        )

    # -- handlers: participants

    def _h_list_participants(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        meeting_id = ctx.param("meetingId")
        if not meeting_id:
            raise ApiError(400, MSG_INVALID_ITEMS, ["meetingId is required."])
        meeting = self._owned_meeting(_app(ctx), meeting_id)
        items = list(meeting.participants.values())
        return self._paged(ctx, "/meetingParticipants", items, default_max=10)

    def _paged(
        self, ctx: _Ctx, path: str, items: list[dict[str, Any]], *, default_max: int
    ) -> _Response:
        """Webex-style paging: ``max`` per page and an RFC 5988 ``Link: <...>; rel="next"``."""
        try:
            page_size = int(ctx.param("max") or default_max)
            offset = int(ctx.param("cursor") or 0)
        except ValueError as exc:
            raise ApiError(400, MSG_INVALID_ITEMS, ["max must be a number."]) from exc
        if not 1 <= page_size <= 100 or offset < 0:
            raise ApiError(400, MSG_INVALID_ITEMS, ["max must be between 1 and 100."])
        page = items[offset : offset + page_size]
        headers: dict[str, str] = {}
        if offset + page_size < len(items):
            query = {k: v[0] for k, v in ctx.query.items() if k != "cursor"}
            query.update(max=str(page_size), cursor=str(offset + page_size))
            headers["Link"] = f'<{self.base_url}{path}?{urlencode(query)}>; rel="next"'
        return _Response(200, {"items": page}, headers)

    def _h_admit(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        body = ctx.json_object()
        items = body.get("items")
        if not isinstance(items, list) or not items or len(items) > 100:
            raise ApiError(400, MSG_INVALID_ITEMS, ["items must list 1 to 100 participants."])
        targets = []
        for item in items:
            participant_id = item.get("participantId") if isinstance(item, dict) else None
            if not isinstance(participant_id, str):
                raise ApiError(400, MSG_INVALID_ITEMS, ["Each item needs a participantId."])
            targets.append(self._find_participant(app, participant_id))
        events: list[tuple[str, bytes, dict[str, str]]] = []
        for participant in targets:
            # Admitting somebody already inside is harmless, as a double click must be.
            if participant["state"] == "lobby":
                participant["state"] = "joined"
                participant["joinedTime"] = _iso_utc(self.now_dt())
                if self.deliver_webhooks:
                    events += self.participant_events(
                        participant["meetingId"], participant["id"], "joined"
                    )
        self._emit(events)
        return _Response(204)

    def _find_participant(self, app: FakeApp, participant_id: str) -> dict[str, Any]:
        for meeting in self._meetings.values():
            if meeting.org_id == app.org_id and participant_id in meeting.participants:
                return meeting.participants[participant_id]
        raise ApiError(404, MSG_NOT_FOUND, [f"Participant {participant_id} not found."])

    # -- handlers: webhooks

    def _h_create_webhook(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        body = ctx.json_object()
        errors = _webhook_errors(body)
        if errors:
            raise ApiError(400, MSG_INVALID_ITEMS, errors)
        webhook_id = _b64_id("WEBHOOK", str(uuid.uuid4()))
        data: dict[str, Any] = {
            "id": webhook_id,
            "name": body["name"],
            "targetUrl": body["targetUrl"],
            "resource": body["resource"],
            "event": body["event"],
            "ownedBy": body.get("ownedBy", "creator"),
            "status": "active",
            "created": _iso_utc(self.now_dt()),
        }
        for key in ("filter", "secret"):
            if body.get(key):
                data[key] = body[key]
        envelope = {
            "orgId": app.org_id,
            "createdBy": app.person_id,
            "appId": _b64_id("APPLICATION", app.client_id),
        }
        self._webhooks[webhook_id] = _Webhook(app.org_id, data, envelope)
        return _Response(200, dict(data), content_type="application/json")

    def _h_list_webhooks(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        owned_by = ctx.param("ownedBy")
        items = [
            dict(hook.data) for hook in self._webhooks.values()
            if hook.org_id == app.org_id and (owned_by is None or hook.data["ownedBy"] == owned_by)
        ]  # fmt: skip
        response = self._paged(ctx, "/webhooks", items, default_max=100)
        response.content_type = "application/json"
        return response

    def _owned_webhook(self, app: FakeApp, webhook_id: str) -> _Webhook:
        hook = self._webhooks.get(webhook_id)
        if hook is None or hook.org_id != app.org_id:
            raise ApiError(404, MSG_NOT_FOUND)
        return hook

    def _h_get_webhook(self, ctx: _Ctx, params: dict[str, str]) -> _Response:
        hook = self._owned_webhook(_app(ctx), params["webhookId"])
        return _Response(200, dict(hook.data), content_type="application/json")

    def _h_delete_webhook(self, ctx: _Ctx, params: dict[str, str]) -> _Response:
        self._owned_webhook(_app(ctx), params["webhookId"])
        del self._webhooks[params["webhookId"]]
        return _Response(204)

    # -- handlers: people

    def _h_people_me(self, ctx: _Ctx, _params: dict[str, str]) -> _Response:
        app = _app(ctx)
        first, _, last = app.display_name.partition(" ")
        return _Response(200, {
            "id": app.person_id,
            "emails": [app.email],
            "displayName": app.display_name,
            "firstName": first,
            "lastName": last,
            "orgId": app.org_id,
            "created": "2024-01-01T00:00:00.000Z",
            "type": "appuser" if app.kind == "service_app" else "person",
        }, content_type="application/json")  # fmt: skip

    # -- control endpoints over HTTP (/_fake/...)

    def _handle_control(self, ctx: _Ctx) -> _Response:
        sub = ctx.path[len(CONTROL_PREFIX) :] or "/"
        try:
            if ctx.method == "GET" and sub.startswith("/join/"):
                return self._join_page(sub[len("/join/") :])
            return self._control(ctx, sub)
        except ApiError as error:
            return _Response(error.status, _error_body(error, _tracking_id()))
        except (KeyError, TypeError, ValueError) as exc:
            return _Response(
                400, _error_body(ApiError(400, f"bad control request: {exc!r}"), _tracking_id())
            )

    def _control(self, ctx: _Ctx, sub: str) -> _Response:
        body = json.loads(ctx.body) if ctx.body else {}
        key = (ctx.method, sub)
        if key == ("GET", "/"):
            return _Response(200, {"endpoints": CONTROL_ENDPOINTS})
        if key == ("POST", "/apps"):
            credentials = self.register_app(**body)
            data = asdict(credentials)
            for name in ("access_token_expires_at", "refresh_token_expires_at"):
                data[name] = data[name].isoformat()
            return _Response(201, data)
        if key == ("POST", "/tokens/expire"):
            self.expire_access_token(body["access_token"])
            return _Response(204)
        if key == ("POST", "/failures"):
            self.fail_next(body.pop("path_prefix"), **body)
            return _Response(204)
        if key == ("POST", "/delays"):
            self.delay_next(body.pop("path_prefix"), **body)
            return _Response(204)
        if key == ("GET", "/requests"):
            return _Response(200, {"items": [r.as_dict() for r in self.requests()]})
        if key == ("DELETE", "/requests"):
            self.clear_requests()
            return _Response(204)
        if key == ("POST", "/reset"):
            self.reset()
            return _Response(204)
        if key == ("POST", "/time"):
            self.advance_time(float(body["advance_seconds"]))
            return _Response(204)
        match = re.fullmatch(r"/meetings/([^/]+)/participants", sub)
        if ctx.method == "POST" and match:
            participant = self.add_participant(
                match.group(1),
                body["displayName"],
                body["email"],
                state=body.get("state", "lobby"),
                host=bool(body.get("host", False)),
            )
            return _Response(201, participant)
        match = re.fullmatch(r"/webhooks/([^/]+)/deliver", sub)
        if ctx.method == "POST" and match:
            response = self.deliver_webhook_event(match.group(1), body.get("data", {}))
            return _Response(200, {"targetStatus": response.status_code})
        raise ApiError(404, f"no control endpoint {ctx.method} {sub}")

    def _join_page(self, token: str) -> _Response:
        """What a browser sees when following a start/join link of the fake (local dev)."""
        with self._lock:
            link = self._join_links.get(token)
            meeting = self._meetings.get(link.meeting_id) if link else None
            if link is None or meeting is None:
                return _html(404, "Meeting not found", "This meeting does not exist (anymore).")
            if link.expires_at <= self.now():
                return _html(410, "Link expired", "Please request a new link.")
            events: list[tuple[str, bytes, dict[str, str]]] = []
            if link.role == "host":
                if meeting.data["state"] != "inProgress" and self.deliver_webhooks:
                    meeting.data["state"] = "inProgress"
                    events += self.meeting_events(link.meeting_id, "started")
                meeting.data["state"] = "inProgress"
                state = "joined"
            else:
                lobby = meeting.data["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
                state = "lobby" if lobby else "joined"
            participant = self._add_participant(
                meeting, link.display_name, link.email, state=state, host=link.role == "host"
            )
            if state == "joined" and self.deliver_webhooks:
                events += self.participant_events(link.meeting_id, participant["id"], "joined")
            title = meeting.data["title"]
        self._emit(events)
        text = f"You joined “{title}” as {link.display_name} ({link.role}). " + (
            "Please wait until the host admits you." if state == "lobby" else ""
        )
        return _html(200, "Fake Webex meeting", text)


CONTROL_ENDPOINTS = [
    "GET /_fake/ – this list",
    "POST /_fake/apps {client_id, client_secret, refresh_token, access_token?, "
    "access_token_lifetime?, kind?, email?} – register an app, returns credentials",
    "POST /_fake/tokens/expire {access_token}",
    "POST /_fake/failures {path_prefix, status, count?, method?, retry_after?, message?}",
    "POST /_fake/delays {path_prefix, seconds, count?, method?}",
    "GET|DELETE /_fake/requests – recorded API requests",
    "POST /_fake/reset",
    "POST /_fake/time {advance_seconds}",
    "POST /_fake/meetings/{id}/participants {displayName, email, state?, host?}",
    "POST /_fake/webhooks/{id}/deliver {data} – POST a signed event to the targetUrl",
    "GET /_fake/join/{token} – where the fake's start/join links lead",
]


# --------------------------------------------------------------------------- helpers


def _api_path(prefix: str) -> str:
    """Accept "/meetings" as well as "/v1/meetings" in the control API."""
    return prefix[len(API_PREFIX) :] if prefix.startswith(API_PREFIX + "/") else prefix


def _app(ctx: _Ctx) -> FakeApp:
    if ctx.app is None:  # only reachable if a route forgot auth=True
        raise ApiError(401, MSG_UNAUTHORIZED)
    return ctx.app


def _tracking_id(prefix: str = "ROUTER") -> str:
    return f"{prefix}_{uuid.uuid4()}".upper()


def _error_body(error: ApiError, tracking_id: str) -> dict[str, Any]:
    return {
        "message": error.message,
        "errors": [{"description": d} for d in error.descriptions],
        "trackingId": tracking_id,
        **error.extra,
    }


def _injected_error(rule: _Rule) -> ApiError:
    headers = {}
    if rule.retry_after is not None:
        headers["Retry-After"] = f"{rule.retry_after:g}"
    return ApiError(rule.status, rule.message, headers=headers)


def _oauth_error(code: str, description: str) -> ApiError:
    # Webex's usual error body, plus the RFC 6749 fields OAuth libraries look for.
    return ApiError(400, description, extra={"error": code, "error_description": description})


def _match_route(ctx: _Ctx) -> tuple[_Route, dict[str, str]]:
    path_known = False
    for route in ROUTES:
        match = route.pattern.match(ctx.path)
        if match is None:
            continue
        path_known = True
        if route.method == ctx.method:
            return route, match.groupdict()
    if path_known:
        raise ApiError(405, "Method Not Allowed (or not implemented by the fake).")
    raise ApiError(404, MSG_NOT_FOUND)


def _zone(name: Any, errors: list[str]) -> ZoneInfo | None:
    if not isinstance(name, str):
        errors.append("timezone must be an IANA time zone name.")
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"timezone {name!r} is not a valid IANA time zone.")
        return None


def _parse_moment(value: Any, tz: ZoneInfo | None, name: str, errors: list[str]) -> datetime | None:
    if not isinstance(value, str) or not value:
        errors.append(f"{name} is required in ISO 8601 format.")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.append(f"{name} is not a valid ISO 8601 date and time.")
        return None
    if moment.tzinfo is None:
        # Webex reads an offset-less time in the meeting's time zone.
        moment = moment.replace(tzinfo=tz or UTC)
    return moment


def _format_moment(moment: datetime, tz: ZoneInfo | None) -> str:
    # Webex schedules to the minute and answers in the meeting's time zone.
    local = moment.astimezone(tz or UTC).replace(second=0, microsecond=0)
    return local.isoformat()


def _meeting_password() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    core = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"{core}A{secrets.randbelow(10)}"  # mixed case and a digit, like Webex wants


def _webhook_errors(body: dict[str, Any]) -> list[str]:
    errors = [
        f"{key} is required."
        for key in ("name", "targetUrl", "resource", "event")
        if not isinstance(body.get(key), str) or not body.get(key)
    ]
    if errors:
        return errors
    if not re.match(r"^https?://[^\s/]+", body["targetUrl"]):
        errors.append("targetUrl must be an http(s) URL.")
    if body["resource"] not in WEBHOOK_RESOURCES:
        errors.append(f"resource {body['resource']!r} is not supported.")
    if body["event"] not in WEBHOOK_EVENTS:
        errors.append(f"event {body['event']!r} is not supported.")
    if body.get("ownedBy") not in (None, "org", "creator"):
        errors.append("ownedBy must be 'org' or 'creator'.")
    if body.get("secret") is not None and not isinstance(body["secret"], str):
        errors.append("secret must be a string.")
    return errors


def _html(status: int, title: str, text: str) -> _Response:
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}"
        f"</title><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></html>"
    )
    return _Response(status, raw=page.encode(), content_type="text/html; charset=utf-8")


# --------------------------------------------------------------------------- HTTP plumbing


def _make_handler(fake: FakeWebex) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API; httpx pools connections
        # Headers and body go out in two writes; with Nagle on, keep-alive requests would
        # stall ~40 ms on delayed ACKs.
        disable_nagle_algorithm = True
        server_version = "FakeWebex/1"
        sys_version = ""

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s " + format, self.address_string(), *args)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            ctx = _Ctx(self.command, split.path, parse_qs(split.query), dict(self.headers), body)
            if split.path.startswith(CONTROL_PREFIX):
                self._send(fake._handle_control(ctx), _tracking_id())
            elif split.path.startswith(API_PREFIX + "/"):
                ctx.path = split.path[len(API_PREFIX) :]
                response, tracking_id = fake._handle_api(ctx)
                self._send(response, tracking_id)
            else:
                error = ApiError(404, MSG_NOT_FOUND)
                tracking_id = _tracking_id()
                self._send(_Response(404, _error_body(error, tracking_id)), tracking_id)

        def _send(self, response: _Response, tracking_id: str) -> None:
            payload = response.raw
            if payload is None and response.body is not None:
                payload = json.dumps(response.body).encode()
            try:
                self.send_response(response.status)
                self.send_header("TrackingID", tracking_id)
                if payload is not None:
                    self.send_header("Content-Type", response.content_type)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload or b"")))
                self.end_headers()
                if payload:
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (e.g. its timeout fired during an injected delay).
                self.close_connection = True

    return _Handler
