"""WebexClient against the running fake Webex server (real HTTP, no mocks of the client)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from devtools.webex_fake import AppCredentials, FakeWebex
from tests.videoconf.webex_fake_fixtures import fake_webex  # noqa: F401
from videoconf.webex import (
    RefreshingTokenProvider,
    StaticTokenProvider,
    TokenSet,
    WebexAuthFailed,
    WebexBadRequest,
    WebexClient,
    WebexNotFound,
    WebexRateLimited,
    WebexTimeout,
    WebexUnavailable,
    refresh_access_token,
)

HOST = "beraterin@musterstadt.example"


class RecordingSleep:
    """Injected instead of time.sleep: records the waits and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class CountingProvider(RefreshingTokenProvider):
    invalidations = 0

    def invalidate(self) -> None:
        self.invalidations += 1
        super().invalidate()


def token_set(creds: AppCredentials, *, expires_at: datetime | None = None) -> TokenSet:
    return TokenSet(
        access_token=creds.access_token,
        expires_at=expires_at or creds.access_token_expires_at,
        refresh_token=creds.refresh_token,
        refresh_token_expires_at=creds.refresh_token_expires_at,
    )


def provider_for(
    fake: FakeWebex,
    creds: AppCredentials,
    *,
    expires_at: datetime | None = None,
    saved: list[TokenSet] | None = None,
) -> CountingProvider:
    return CountingProvider(
        fake.base_url,
        creds.client_id,
        creds.client_secret,
        token_set(creds, expires_at=expires_at),
        on_refresh=saved.append if saved is not None else None,
        timeout=2,
    )


def client_for(fake: FakeWebex, provider: Any, **kwargs: Any) -> WebexClient:
    options: dict[str, Any] = {
        "timeout": 2,
        "max_retries": 3,
        "sleep": RecordingSleep(),
        "backoff_base": 0.01,
    }
    options.update(kwargs)
    return WebexClient(fake.base_url, provider, **options)


def slot(minutes_from_now: int = 60, length: int = 30) -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes_from_now)
    return start, start + timedelta(minutes=length)


@pytest.fixture
def fake(fake_webex: FakeWebex) -> FakeWebex:  # noqa: F811 - pytest injects the fixture
    return fake_webex


@pytest.fixture
def app(fake: FakeWebex) -> AppCredentials:
    return fake.register_app("muster-client", "muster-secret", "muster-refresh")


@pytest.fixture
def client(fake: FakeWebex, app: AppCredentials) -> Iterator[WebexClient]:
    with client_for(fake, provider_for(fake, app)) as webex:
        yield webex


# --------------------------------------------------------------------------- happy path


def test_full_flow_create_join_admit_delete(
    fake: FakeWebex,
    client: WebexClient,
) -> None:
    start, end = slot()
    meeting = client.create_meeting(
        "Beratung Wohngeld", start, end, host_email=HOST, integration_tags=["booking:42"]
    )
    assert meeting["id"] and meeting["webLink"].startswith("https://")
    assert meeting["hostEmail"] == HOST
    assert meeting["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
    assert datetime.fromisoformat(meeting["start"]) == start.replace(second=0)

    sent = fake.requests("POST", "/meetings")[0].json
    assert sent["sendEmail"] is False  # Webex must never mail citizens
    assert sent["enableAutomaticLock"] is False
    assert sent["timezone"] == "Europe/Berlin"
    assert sent["integrationTags"] == ["booking:42"]
    assert client.get_meeting(meeting["id"])["title"] == "Beratung Wohngeld"

    links = client.create_join_link(
        meeting["id"], "Erika Mustermann", "erika@example.org", host_email=HOST
    )
    assert set(links) >= {"startLink", "joinLink", "expiration"}
    join_body = fake.requests("POST", "/meetings/join")[0].json
    assert join_body["joinDirectly"] is False
    assert join_body["expirationMinutes"] == 15
    expires = datetime.fromisoformat(links["expiration"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)

    # The citizen follows the link and lands in the lobby; the official admits her.
    assert httpx.get(links["joinLink"]).status_code == 200
    lobby = client.list_participants(meeting["id"])
    assert [(p["displayName"], p["state"]) for p in lobby] == [("Erika Mustermann", "lobby")]
    client.admit([p["id"] for p in lobby])
    assert client.list_participants(meeting["id"])[0]["state"] == "joined"

    assert client.delete_meeting(meeting["id"]) is True
    delete_query = fake.requests("DELETE")[0].query
    assert delete_query["sendEmail"] == ["false"]
    with pytest.raises(WebexNotFound):
        client.get_meeting(meeting["id"])
    assert client.end_meeting(meeting["id"]) is False  # already gone is fine


def test_update_meeting_reschedules(client: WebexClient) -> None:
    start, end = slot()
    meeting = client.create_meeting("Termin", start, end, host_email=HOST)
    new_start, new_end = slot(120, 45)
    updated = client.update_meeting(
        meeting["id"], start=new_start, end=new_end, title="Termin (verschoben)"
    )
    assert updated["title"] == "Termin (verschoben)"
    assert datetime.fromisoformat(updated["end"]) == new_end.replace(second=0)


def test_me_webhooks_and_pagination(fake: FakeWebex, client: WebexClient) -> None:
    assert client.me()["emails"] == ["muster-client@fake-apps.webex.example"]

    hook = client.create_webhook(
        "meetings ended", "https://buergerbuero.example/hook", "meetings", "ended", "s3cret"
    )
    assert fake.requests("POST", "/webhooks")[0].json["ownedBy"] == "org"
    assert [h["id"] for h in client.list_webhooks()] == [hook["id"]]
    assert client.delete_webhook(hook["id"]) is True
    assert client.delete_webhook(hook["id"]) is False
    assert client.list_webhooks() == []

    start, end = slot()
    meeting = client.create_meeting("Großer Termin", start, end, host_email=HOST)
    for n in range(120):
        fake.add_participant(meeting["id"], f"Gast {n}", f"gast{n}@example.org")
    fake.clear_requests()
    assert len(client.list_participants(meeting["id"])) == 120
    assert len(fake.requests("GET", "/meetingParticipants")) == 2  # followed Link: next


def test_signed_webhook_event_reaches_receiver(fake: FakeWebex, client: WebexClient) -> None:
    received: list[tuple[bytes, dict[str, str]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, dict(self.headers)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True).start()
    try:
        target = f"http://127.0.0.1:{receiver.server_address[1]}/webex"
        hook = client.create_webhook("joined", target, "meetingParticipants", "joined", "k3y")
        start, end = slot()
        meeting = client.create_meeting("Termin", start, end, host_email=HOST)
        person = fake.add_participant(meeting["id"], "Erika", "erika@example.org", state="joined")
        data = fake.participant_event_data(meeting["id"], person["id"])
        assert fake.webhooks_for("meetingParticipants", "joined") == [hook["id"]]
        assert fake.deliver_webhook_event(hook["id"], data).status_code == 204
    finally:
        receiver.shutdown()
        receiver.server_close()

    body, headers = received[0]
    expected = hmac.new(b"k3y", body, hashlib.sha1).hexdigest()
    assert headers["X-Spark-Signature"] == expected
    envelope = json.loads(body)
    assert envelope["resource"] == "meetingParticipants"
    assert envelope["event"] == "joined"
    assert envelope["data"]["meetingId"] == meeting["id"]


# --------------------------------------------------------------------------- tokens


def test_refreshes_expired_token_before_calling(fake: FakeWebex, app: AppCredentials) -> None:
    saved: list[TokenSet] = []
    past = datetime.now(UTC) - timedelta(minutes=1)
    provider = provider_for(fake, app, expires_at=past, saved=saved)
    with client_for(fake, provider) as webex:
        webex.me()

    token_call, me_call = fake.requests()
    assert token_call.path == "/access_token"
    assert token_call.form is not None
    assert token_call.form["grant_type"] == "refresh_token"
    assert token_call.form["refresh_token"] == "muster-refresh"
    assert me_call.bearer_token == saved[0].access_token != app.access_token
    # The fake rotates refresh tokens: the new one must have reached the persistence hook.
    assert fake.valid_refresh_tokens(app.client_id) == [saved[0].refresh_token]
    assert saved[0].expires_at > datetime.now(UTC) + timedelta(days=13)


def test_refreshes_after_401(fake: FakeWebex, app: AppCredentials) -> None:
    provider = provider_for(fake, app)
    with client_for(fake, provider) as webex:
        webex.me()
        fake.expire_access_token(app.access_token)  # e.g. revoked by the admin
        fake.clear_requests()
        assert webex.me()["orgId"] == app.org_id

    first, refresh, retry = fake.requests()
    assert (first.status, first.bearer_token) == (401, app.access_token)
    assert refresh.path == "/access_token"
    assert (retry.status, retry.bearer_token) == (200, provider.token_set.access_token)
    assert provider.invalidations == 1


def test_second_401_raises_auth_failed(fake: FakeWebex, app: AppCredentials) -> None:
    webex = client_for(fake, StaticTokenProvider("not-a-token"))
    with webex, pytest.raises(WebexAuthFailed) as caught:
        webex.me()
    assert caught.value.code == "webex_auth_failed"
    assert caught.value.status == 401
    assert caught.value.tracking_id == fake.requests()[-1].tracking_id
    assert len(fake.requests()) == 2  # the original and exactly one retry


def test_revoked_refresh_token_is_auth_failure(fake: FakeWebex, app: AppCredentials) -> None:
    fake.revoke_refresh_token(app.client_id, app.refresh_token)
    with pytest.raises(WebexAuthFailed) as caught:
        refresh_access_token(
            fake.base_url, app.client_id, app.client_secret, app.refresh_token, timeout=2
        )
    assert caught.value.status == 400
    assert "invalid" in caught.value.message
    assert caught.value.tracking_id


def test_token_set_repr_hides_tokens(app: AppCredentials) -> None:
    text = repr(token_set(app))
    assert app.access_token not in text
    assert app.refresh_token not in text


def test_providers_never_cross_tokens(fake: FakeWebex) -> None:
    creds_a = fake.register_app("stadt-a", "secret-a", "refresh-a")
    creds_b = fake.register_app("stadt-b", "secret-b", "refresh-b")
    past = datetime.now(UTC) - timedelta(seconds=1)
    provider_a = provider_for(fake, creds_a, expires_at=past)  # will refresh
    provider_b = provider_for(fake, creds_b)
    start, end = slot()
    with client_for(fake, provider_a) as a, client_for(fake, provider_b) as b:
        meeting_a = a.create_meeting("A", start, end, host_email="a@stadt-a.example")
        meeting_b = b.create_meeting("B", start, end, host_email="b@stadt-b.example")
        a.me()
        b.me()
        with pytest.raises(WebexNotFound):  # other organisation: indistinguishable from missing
            b.get_meeting(meeting_a["id"])

    tokens_a = {creds_a.access_token, provider_a.token_set.access_token}
    refreshes = fake.requests("POST", "/access_token")
    assert [r.form["client_id"] for r in refreshes if r.form] == ["stadt-a"]
    for request in fake.requests():
        if request.path == "/access_token":
            continue
        used_by_a = request.bearer_token in tokens_a
        assert used_by_a != (request.bearer_token == creds_b.access_token)
    assert fake.meeting(meeting_a["id"])["hostEmail"] == "a@stadt-a.example"
    assert fake.meeting(meeting_b["id"])["hostEmail"] == "b@stadt-b.example"


# --------------------------------------------------------------------------- failures


def test_429_honours_retry_after(fake: FakeWebex, app: AppCredentials) -> None:
    sleep = RecordingSleep()
    fake.fail_next("/meetings", 429, count=1, method="POST", retry_after=7)
    start, end = slot()
    with client_for(fake, provider_for(fake, app), sleep=sleep) as webex:
        meeting = webex.create_meeting("Termin", start, end, host_email=HOST)
    assert sleep.calls == [7.0]
    assert [r.status for r in fake.requests("POST", "/meetings")] == [429, 200]
    assert fake.meeting(meeting["id"]) is not None


def test_429_beyond_cap_raises_without_waiting(fake: FakeWebex, app: AppCredentials) -> None:
    sleep = RecordingSleep()
    fake.fail_next("/people/me", 429, retry_after=120)
    with (
        client_for(fake, provider_for(fake, app), sleep=sleep, max_retry_after=30) as webex,
        pytest.raises(WebexRateLimited) as caught,
    ):
        webex.me()
    assert sleep.calls == []
    assert (caught.value.code, caught.value.retry_after) == ("webex_rate_limited", 120)


def test_persistent_429_raises_after_retries(fake: FakeWebex, app: AppCredentials) -> None:
    sleep = RecordingSleep()
    fake.fail_next("/people/me", 429, count=10, retry_after=1)
    with (
        client_for(fake, provider_for(fake, app), sleep=sleep, max_retries=2) as webex,
        pytest.raises(WebexRateLimited),
    ):
        webex.me()
    assert sleep.calls == [1.0, 1.0]


def test_persistent_5xx_then_recovery(
    fake: FakeWebex,
    app: AppCredentials,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleep = RecordingSleep()
    fake.fail_next("/people/me", 503, count=100)
    caplog.set_level(logging.INFO, logger="videoconf.webex")
    with client_for(fake, provider_for(fake, app), sleep=sleep) as webex:
        with pytest.raises(WebexUnavailable) as caught:
            webex.me()
        error = caught.value
        assert (error.code, error.status) == ("webex_unavailable", 503)
        assert error.tracking_id == fake.requests()[-1].tracking_id
        assert len(fake.requests()) == 4  # 1 + max_retries
        assert sleep.calls == [0.01, 0.02, 0.04]  # exponential backoff

        fake.clear_failures()
        assert webex.me()["id"]

    logged = caplog.text
    assert error.tracking_id in logged
    for secret in (app.access_token, app.refresh_token, app.client_secret):
        assert secret not in logged


def test_transient_5xx_is_retried(fake: FakeWebex, app: AppCredentials) -> None:
    fake.fail_next("/meetings", 502, count=2, method="POST")
    start, end = slot()
    with client_for(fake, provider_for(fake, app)) as webex:
        assert webex.create_meeting("Termin", start, end, host_email=HOST)["id"]
    assert [r.status for r in fake.requests("POST", "/meetings")] == [502, 502, 200]


def test_bad_request_is_not_retried(fake: FakeWebex, client: WebexClient) -> None:
    start, _ = slot()
    with pytest.raises(WebexBadRequest) as caught:
        client.create_meeting("Zu kurz", start, start + timedelta(minutes=5), host_email=HOST)
    assert caught.value.code == "webex_bad_request"
    assert caught.value.message == "The input parameters contain invalid items."
    assert caught.value.tracking_id
    assert len(fake.requests()) == 1


def test_post_timeout_is_not_retried(fake: FakeWebex, app: AppCredentials) -> None:
    fake.delay_next("/meetings", 1.0, method="POST")
    start, end = slot()
    webex = client_for(fake, provider_for(fake, app), timeout=0.2)
    with webex, pytest.raises(WebexTimeout) as caught:
        webex.create_meeting("Termin", start, end, host_email=HOST)
    assert caught.value.code == "webex_timeout"
    # A POST that timed out may have created the meeting: never repeat it blindly.
    assert len(fake.requests("POST", "/meetings")) == 1


def test_get_timeout_is_retried(fake: FakeWebex, app: AppCredentials) -> None:
    fake.delay_next("/people/me", 1.0, count=1)
    provider = provider_for(fake, app)
    with client_for(fake, provider, timeout=0.2, max_retries=1) as webex:
        assert webex.me()["id"]  # a GET is safe to repeat after a timeout
        fake.delay_next("/people/me", 1.0, count=5)
        fake.clear_requests()
        with pytest.raises(WebexTimeout) as caught:
            webex.me()
    assert caught.value.code == "webex_timeout"
    assert len(fake.requests()) == 2


def test_unreachable_webex_is_unavailable() -> None:
    closed = FakeWebex().start()
    base = closed.base_url
    closed.stop()  # nothing listens on that port any more
    sleep = RecordingSleep()
    webex = WebexClient(
        base, StaticTokenProvider("t"), timeout=1, max_retries=2, sleep=sleep, backoff_base=0.01
    )
    with webex, pytest.raises(WebexUnavailable) as caught:
        webex.me()
    assert caught.value.code == "webex_unavailable"
    assert len(sleep.calls) == 2


def test_local_argument_checks(client: WebexClient) -> None:
    naive = datetime(2030, 1, 1, 10, 0)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        client.create_meeting("x", naive, naive + timedelta(hours=1))
    with pytest.raises(ValueError):
        client.get_meeting("../people/me")
    with pytest.raises(ValueError):
        client.create_join_link("id", "n", "e@example.org", expiration_minutes=61)
    with pytest.raises(ValueError):
        start, end = slot()
        client.create_meeting("x", start, end, integration_tags=["a", "b", "c", "d"])
