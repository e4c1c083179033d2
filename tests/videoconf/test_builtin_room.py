"""The built-in video room: the page behind each key and the signalling between the two
browsers, which no other session or municipality can read."""

from __future__ import annotations

import pytest
from django.test import Client

from scheduling.queue.models import Ticket
from scheduling.queue.services import ticket_video_subject
from tests.offices.factories import make_office, make_official
from tests.videoconf.video_helpers import make_ticket
from videoconf.models import VideoSession, VideoSignal
from videoconf.services import MAX_SIGNALS_PER_SESSION, video_session_end, video_session_open


def _session(ctx, *, ticket=False) -> VideoSession:
    with ctx.schema():
        office = make_office()
        official = make_official(office)
        subject = ticket_video_subject(make_ticket(office, official)) if ticket else {}
        return video_session_open(
            host=official.user,
            title="Videoberatung",
            **{"subject_kind": "", "subject_id": None, **subject},
        )


def _post(client: Client, key: str, kind: str, payload=None):
    return client.post(
        f"/video/{key}/signal/",
        {"type": kind, "payload": payload or {}},
        content_type="application/json",
    )


def _get(client: Client, key: str, since: int = 0):
    return client.get(f"/video/{key}/signal/", {"since": since})


def test_guest_and_host_keys_open_the_room_page(tenant_a):
    session = _session(tenant_a)
    guest = tenant_a.client().get(f"/video/{session.guest_key}/")
    host = tenant_a.client().get(f"/video/{session.host_key}/")
    assert guest.status_code == 200 and host.status_code == 200
    html = guest.content.decode()
    assert 'data-role="guest"' in html and 'data-role="host"' in host.content.decode()
    assert "/static/js/videoroom.js" in html
    assert 'aria-pressed="false"' in html and 'role="status"' in html
    assert f'data-signal-url="/video/{session.guest_key}/signal/"' in html
    assert '<script id="ice-servers" type="application/json">[]</script>' in html
    assert "no-store" in guest["Cache-Control"]
    # Only our own scripts, no inline code: the CSP stays 'self'.
    csp = guest["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "media-src 'self' blob:" in csp


def test_ice_servers_come_from_the_settings(tenant_a, settings):
    settings.VIDEO_ICE_SERVERS = [{"urls": "stun:stun.example.org:3478"}]
    session = _session(tenant_a)
    html = tenant_a.client().get(f"/video/{session.guest_key}/").content.decode()
    assert "stun:stun.example.org:3478" in html


def test_unknown_key_is_404(tenant_a):
    assert tenant_a.client().get("/video/gibt-es-nicht/").status_code == 404
    assert _get(tenant_a.client(), "gibt-es-nicht").status_code == 404


def test_ended_session_shows_a_friendly_notice(tenant_a):
    session = _session(tenant_a)
    with tenant_a.schema():
        video_session_end(session=session)
    response = tenant_a.client().get(f"/video/{session.guest_key}/")
    assert response.status_code == 200
    assert "Diese Beratung ist beendet" in response.content.decode()
    assert "videoroom.js" not in response.content.decode()


def test_opening_the_room_marks_the_citizen_joined(tenant_a):
    session = _session(tenant_a, ticket=True)
    tenant_a.client().get(f"/video/{session.host_key}/")
    with tenant_a.schema():
        session.refresh_from_db()
        assert session.guest_joined_at is None  # the official's visit does not count
    tenant_a.client().get(f"/video/{session.guest_key}/")
    with tenant_a.schema():
        session.refresh_from_db()
        ticket = Ticket.objects.get(pk=session.subject_id)
        assert session.guest_joined_at is not None
        from scheduling.queue import services as queue_services

        if hasattr(queue_services, "ticket_mark_joined"):
            assert ticket.joined_at is not None


def test_signalling_messages_reach_the_other_side_only(tenant_a):
    session = _session(tenant_a)
    guest, host = tenant_a.client(), tenant_a.client()

    assert _post(guest, session.guest_key, "hello").status_code == 201
    offer = _post(guest, session.guest_key, "offer", {"gen": "g1", "sdp": "v=0 offer"})
    assert offer.status_code == 201
    _post(guest, session.guest_key, "candidate", {"gen": "g1", "candidate": {"candidate": "c"}})

    seen_by_host = _get(host, session.host_key).json()
    assert seen_by_host["status"] == "open"
    assert [m["type"] for m in seen_by_host["messages"]] == ["hello", "offer", "candidate"]
    assert seen_by_host["messages"][1]["payload"] == {"gen": "g1", "sdp": "v=0 offer"}
    assert _get(guest, session.guest_key).json()["messages"] == []  # not its own

    _post(host, session.host_key, "answer", {"gen": "g1", "sdp": "v=0 answer"})
    last = offer.json()["id"]
    for_guest = _get(guest, session.guest_key, since=last).json()["messages"]
    assert [(m["type"], m["payload"]["sdp"]) for m in for_guest] == [("answer", "v=0 answer")]
    # "since" skips what was already fetched.
    newest = seen_by_host["messages"][-1]["id"]
    assert _get(host, session.host_key, since=newest).json()["messages"] == []


def test_hello_drops_the_senders_older_messages(tenant_a):
    session = _session(tenant_a)
    client = tenant_a.client()
    _post(client, session.guest_key, "hello")
    _post(client, session.guest_key, "offer", {"gen": "old", "sdp": "x"})
    _post(client, session.host_key, "hello")
    _post(client, session.guest_key, "hello")  # the citizen reloaded the page
    with tenant_a.schema():
        assert list(VideoSignal.objects.filter(session=session).values_list("sender", "kind")) == [
            ("host", "hello"),
            ("guest", "hello"),
        ]


def test_signalling_of_one_session_is_invisible_to_another(tenant_a):
    first, second = _session(tenant_a), _session(tenant_a)
    client = tenant_a.client()
    _post(client, first.guest_key, "offer", {"gen": "g", "sdp": "secret-sdp"})
    assert _get(client, second.host_key).json()["messages"] == []
    assert _get(client, second.guest_key).json()["messages"] == []


def test_another_municipality_cannot_open_the_room_or_read_its_signals(tenant_a, tenant_b):
    session = _session(tenant_a)
    _post(tenant_a.client(), session.guest_key, "offer", {"gen": "g", "sdp": "secret-sdp"})
    other = tenant_b.client()
    assert other.get(f"/video/{session.guest_key}/").status_code == 404
    assert _get(other, session.host_key).status_code == 404
    assert _post(other, session.host_key, "answer", {"sdp": "x"}).status_code == 404
    with tenant_a.schema():
        assert VideoSignal.objects.filter(session=session).count() == 1


def test_ending_the_session_deletes_its_signals_and_closes_signalling(tenant_a):
    session = _session(tenant_a)
    client = tenant_a.client()
    _post(client, session.guest_key, "offer", {"gen": "g", "sdp": "x"})
    with tenant_a.schema():
        video_session_end(session=session)
        assert not VideoSignal.objects.filter(session=session).exists()
    gone = _get(client, session.host_key)
    assert gone.status_code == 410 and gone.json()["code"] == "session_ended"
    assert _post(client, session.guest_key, "bye").status_code == 410


@pytest.mark.parametrize(
    "body, code",
    [
        ({"type": "shout", "payload": {}}, "signal_invalid"),
        ({"type": "offer", "payload": [1, 2]}, "signal_invalid"),
        ({"type": "offer", "payload": {"sdp": "x" * 70_000}}, "signal_too_large"),
    ],
)
def test_bad_signalling_input_gets_a_clear_error(tenant_a, body, code):
    session = _session(tenant_a)
    response = tenant_a.client().post(
        f"/video/{session.guest_key}/signal/", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code


def test_malformed_requests_get_400(tenant_a):
    session = _session(tenant_a)
    client = tenant_a.client()
    not_json = client.post(
        f"/video/{session.guest_key}/signal/", "{", content_type="application/json"
    )
    assert not_json.status_code == 400 and not_json.json()["code"] == "signal_invalid"
    assert _get(client, session.guest_key, since="abc").status_code == 400  # type: ignore[arg-type]


def test_a_session_takes_a_bounded_number_of_messages(tenant_a):
    session = _session(tenant_a)
    with tenant_a.schema():
        VideoSignal.objects.bulk_create(
            VideoSignal(session=session, sender="guest", kind="candidate", payload={})
            for _ in range(MAX_SIGNALS_PER_SESSION)
        )
    response = _post(tenant_a.client(), session.host_key, "candidate", {"gen": "g"})
    assert response.status_code == 429
    assert response.json()["code"] == "signal_limit_reached"


def test_signalling_posts_need_the_csrf_token(tenant_a):
    session = _session(tenant_a)
    strict = Client(HTTP_HOST=tenant_a.host, enforce_csrf_checks=True)
    page = strict.get(f"/video/{session.guest_key}/")
    token = page.cookies["csrftoken"].value
    refused = strict.post(
        f"/video/{session.guest_key}/signal/", {"type": "hello"}, content_type="application/json"
    )
    assert refused.status_code == 403
    accepted = strict.post(
        f"/video/{session.guest_key}/signal/",
        {"type": "hello"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201
