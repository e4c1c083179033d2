"""The waiting room with a real video provider: Webex through our client against the fake
Webex server. A failing provider loses nobody; links are made fresh when the citizen clicks;
completing ends the meeting."""

from __future__ import annotations

import pytest

from devtools.webex_fake import FakeWebex
from platform_core.models import AuditLog
from scheduling.queue.models import Ticket
from tests.scheduling.queue.queue_support import make_setup
from tests.videoconf.video_helpers import configure_webex, register
from videoconf.models import VideoSession


@pytest.fixture
def fake_webex(settings):
    """A fresh fake Webex on loopback; short timeouts and backoff keep failures fast."""
    settings.WEBEX_TIMEOUT_SECONDS = 2.0
    settings.WEBEX_BACKOFF_BASE_SECONDS = 0.01
    settings.WEBEX_MAX_RETRIES = 3
    server = FakeWebex("127.0.0.1", 0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def webex_setup(tenant_a, fake_webex, weekday_morning):
    setup = make_setup(tenant_a)
    with tenant_a.schema():
        configure_webex(fake_webex, register(fake_webex, "alpha"))
    return setup


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_a_failing_provider_puts_the_ticket_back_at_its_place_and_answers_503(
    webex_setup, fake_webex
):
    client = webex_setup.client()
    first = post(client, "/api/offices/buergerbuero/queue/").json()["token"]
    second = post(client, "/api/offices/buergerbuero/queue/").json()["token"]
    fake_webex.fail_next("/meetings", 503, count=4, method="POST")  # every retry fails
    response = post(webex_setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "webex_unavailable" and body["detail"]
    assert body["tracking_id"] == fake_webex.requests("POST", "/meetings")[-1].tracking_id
    status = client.get(f"/api/queue/{first}/").json()
    assert (status["status"], status["position"], status["join_url"]) == ("waiting", 1, None)
    assert client.get(f"/api/queue/{second}/").json()["position"] == 2
    with webex_setup.ctx.schema():
        ticket = Ticket.objects.get(number="B-001")
        assert (ticket.official_id, ticket.called_at, ticket.call_count) == (None, None, 0)
        assert not VideoSession.objects.exists()
        assert AuditLog.objects.filter(action="ticket.call_failed").count() == 1
    # Webex is back: the same citizen is called first.
    again = post(webex_setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/")
    assert again.status_code == 200 and again.json()["ticket"]["number"] == "B-001"


def test_the_console_tells_the_official_when_the_provider_fails(webex_setup, fake_webex):
    post(webex_setup.client(), "/api/offices/buergerbuero/queue/")
    fake_webex.fail_next("/meetings", 503, count=4, method="POST")
    staff = webex_setup.ctx.client()
    staff.post("/account/login/", {"username": webex_setup.email, "password": "pw-123456"})
    html = staff.post("/staff/offices/buergerbuero/call-next/", follow=True).content.decode()
    assert "Der Videodienst ist gerade nicht erreichbar (webex_unavailable)" in html
    with webex_setup.ctx.schema():
        assert Ticket.objects.get().status == "waiting"


def test_join_asks_webex_for_a_fresh_link_and_complete_deletes_the_meeting(
    webex_setup, fake_webex, django_capture_on_commit_callbacks
):
    client = webex_setup.client()
    token = post(client, "/api/offices/buergerbuero/queue/").json()["token"]
    staff = webex_setup.staff_client()
    ticket_id = post(staff, "/api/staff/offices/buergerbuero/call-next/").json()["ticket"]["id"]
    with webex_setup.ctx.schema():
        session = VideoSession.objects.get(subject_kind="ticket", subject_id=ticket_id)
    assert session.provider == "webex" and fake_webex.meeting(session.external_id)
    join = client.get(f"/queue/{token}/join/")
    assert join.status_code == 302
    assert join["Location"].startswith(fake_webex.root_url)
    assert post(staff, f"/api/staff/tickets/{ticket_id}/start/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert post(staff, f"/api/staff/tickets/{ticket_id}/complete/").status_code == 200
    assert fake_webex.requests("DELETE", f"/meetings/{session.external_id}")
    with webex_setup.ctx.schema():
        assert VideoSession.objects.get(pk=session.pk).status == "ended"
        assert Ticket.objects.get(pk=ticket_id).joined_at is not None
