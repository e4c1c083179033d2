"""Forwarding ("Weiterleiten") a citizen to another office: only to an office that can take
them now, and the citizen's page shows the new number and office at once - also when the
forward comes right after the call, between two polls."""

from __future__ import annotations

import pytest

from scheduling.queue import services as qs
from scheduling.queue.models import Ticket
from tests.offices.factories import make_office
from tests.scheduling.queue.queue_support import ALL_DAY, OFFICIAL_PASSWORD, make_setup, post_json


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a)


def join_and_call(setup) -> tuple[str, int]:
    client = setup.client()
    token = post_json(client, "/api/offices/buergerbuero/queue/").json()["token"]
    called = post_json(setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/")
    assert called.status_code == 200, called.content
    return token, called.json()["ticket"]["id"]


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (dict(windows=[]), "target_office_closed"),
        (dict(windows=ALL_DAY, video_enabled=False), "target_video_not_offered"),
    ],
)
def test_forwarding_to_an_office_that_cannot_take_the_citizen_is_refused(setup, target, code):
    with setup.ctx.schema():
        make_office("standesamt", ticket_prefix="S", **target)
    token, ticket_id = join_and_call(setup)
    response = post_json(
        setup.staff_client(), f"/api/staff/tickets/{ticket_id}/transfer/", {"office": "standesamt"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == code and "Standesamt" in response.json()["detail"]
    with setup.ctx.schema():
        qs.tickets_expire_at_closing()
        ticket = Ticket.objects.get(pk=ticket_id)
    # The citizen stays where they were, still called: nothing expires under them.
    assert (ticket.office_id, ticket.number, ticket.status) == (setup.office.pk, "B-001", "called")
    status = setup.client().get(f"/api/queue/{token}/").json()
    assert status["status"] == "called" and status["office"] == "buergerbuero"


def test_a_forward_right_after_the_call_shows_the_new_number_on_the_next_poll(setup):
    with setup.ctx.schema():
        make_office("standesamt", ticket_prefix="S", windows=ALL_DAY, name="Standesamt")
    client = setup.client()
    token = post_json(client, "/api/offices/buergerbuero/queue/").json()["token"]
    first = client.get(f"/api/queue/{token}/")
    etag = first["ETag"]
    assert client.get(f"/api/queue/{token}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Within one poll interval: called, then forwarded. The page never saw "called".
    staff = setup.staff_client()
    ticket_id = post_json(staff, "/api/staff/offices/buergerbuero/call-next/").json()["ticket"][
        "id"
    ]
    moved = post_json(staff, f"/api/staff/tickets/{ticket_id}/transfer/", {"office": "standesamt"})
    assert moved.status_code == 200, moved.content
    poll = client.get(f"/api/queue/{token}/", HTTP_IF_NONE_MATCH=etag)
    assert poll.status_code == 200  # not a stale 304
    body = poll.json()
    assert (body["number"], body["office"], body["office_name"]) == (
        "S-001",
        "standesamt",
        "Standesamt",
    )
    assert (body["status"], body["position"], body["join_url"]) == ("waiting", 1, None)
    assert body["office_status"] != "closed"
    page = client.get(f"/queue/{token}/").content.decode()
    assert "S-001" in page and "Standesamt" in page and "B-001" not in page
    # The page's script compares these with every poll and reloads when they change.
    assert 'data-number="S-001"' in page and 'data-office="standesamt"' in page
    with setup.ctx.schema():
        assert qs.tickets_expire_at_closing() == 0


def test_the_console_offers_only_offices_that_can_take_the_citizen(setup):
    with setup.ctx.schema():
        make_office("standesamt", ticket_prefix="S", windows=ALL_DAY, name="Standesamt")
        make_office("rente", ticket_prefix="R", windows=[], name="Rente")
    _token, ticket_id = join_and_call(setup)
    console = setup.ctx.client()
    console.post("/account/login/", {"username": setup.email, "password": OFFICIAL_PASSWORD})
    html = console.get("/staff/").content.decode()
    assert '<option value="standesamt" >Standesamt</option>' in html
    assert '<option value="rente" disabled>Rente (gerade geschlossen)</option>' in html
    refused = console.post(
        f"/staff/tickets/{ticket_id}/transfer/", {"office": "rente"}, follow=True
    ).content.decode()
    assert "Das gewählte Amt ist gerade geschlossen" in refused
    with setup.ctx.schema():
        assert Ticket.objects.get(pk=ticket_id).office_id == setup.office.pk
