"""The staff console follows the call's real phase - called, citizen joined, in session - and
the server refuses what does not fit it: no no-show and no new call of a citizen who has
joined the video, no call-next while the official has a call."""

from __future__ import annotations

import re

import pytest

from scheduling.queue import services as qs
from scheduling.queue.models import Ticket
from tests.offices.factories import make_official
from tests.scheduling.queue.queue_support import OFFICIAL_PASSWORD, make_setup, post_json


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a)


def join(setup) -> str:
    response = post_json(setup.client(), "/api/offices/buergerbuero/queue/")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def called(setup, staff) -> int:
    join(setup)
    response = post_json(staff, "/api/staff/offices/buergerbuero/call-next/")
    assert response.status_code == 200, response.content
    return response.json()["ticket"]["id"]


def citizen_joins(setup, ticket_id: int) -> None:
    """What the join button (or the provider's webhook) records."""
    with setup.ctx.schema():
        qs.ticket_mark_joined(ticket=Ticket.objects.get(pk=ticket_id))


def logged_in(setup):
    client = setup.ctx.client()
    response = client.post(
        "/account/login/", {"username": setup.email, "password": OFFICIAL_PASSWORD}
    )
    assert response.status_code == 302
    return client


# --- the server refuses the wrong transitions ------------------------------------------------


def test_no_show_is_refused_once_the_citizen_has_joined(setup):
    staff = setup.staff_client()
    ticket_id = called(setup, staff)
    citizen_joins(setup, ticket_id)
    response = post_json(staff, f"/api/staff/tickets/{ticket_id}/no-show/")
    assert response.status_code == 409
    assert response.json()["code"] == "citizen_joined" and response.json()["detail"]
    with setup.ctx.schema():
        ticket = Ticket.objects.get(pk=ticket_id)
        from videoconf.models import VideoSession

        assert ticket.status == "called"  # the live call goes on
        assert (
            VideoSession.objects.get(subject_kind="ticket", subject_id=ticket.pk).status != "ended"
        )


def test_calling_again_is_refused_once_the_citizen_has_joined(setup):
    staff = setup.staff_client()
    ticket_id = called(setup, staff)
    citizen_joins(setup, ticket_id)
    response = post_json(staff, f"/api/staff/tickets/{ticket_id}/recall/")
    assert response.status_code == 409 and response.json()["code"] == "citizen_joined"


def test_a_joined_citizen_can_be_done_without_pressing_start(setup):
    staff = setup.staff_client()
    ticket_id = called(setup, staff)
    refused = post_json(staff, f"/api/staff/tickets/{ticket_id}/complete/")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    citizen_joins(setup, ticket_id)
    done = post_json(staff, f"/api/staff/tickets/{ticket_id}/complete/")
    assert done.status_code == 200, done.content
    assert done.json()["ticket"]["status"] == "done"
    with setup.ctx.schema():
        ticket = Ticket.objects.get(pk=ticket_id)
    # The session counted from the citizen joining: its length feeds the wait estimate.
    assert ticket.started_at == ticket.joined_at is not None


def test_call_next_is_refused_while_the_official_has_a_call(setup):
    staff = setup.staff_client()
    ticket_id = called(setup, staff)
    join(setup)
    for phase in ("called", "joined", "in_session"):
        if phase == "joined":
            citizen_joins(setup, ticket_id)
        if phase == "in_session":
            post_json(staff, f"/api/staff/tickets/{ticket_id}/start/")
        response = post_json(staff, "/api/staff/offices/buergerbuero/call-next/")
        assert response.status_code == 409, phase
        assert response.json()["code"] == "call_in_progress"
    with setup.ctx.schema():
        assert Ticket.objects.filter(status="waiting").count() == 1  # nobody was called
    post_json(staff, f"/api/staff/tickets/{ticket_id}/complete/")
    assert post_json(staff, "/api/staff/offices/buergerbuero/call-next/").status_code == 200


def test_a_no_show_is_not_called_again_while_the_official_has_another_call(setup):
    staff = setup.staff_client()
    first = called(setup, staff)
    post_json(staff, f"/api/staff/tickets/{first}/no-show/")
    called(setup, staff)
    response = post_json(staff, f"/api/staff/tickets/{first}/recall/")
    assert response.status_code == 409 and response.json()["code"] == "call_in_progress"


def test_a_colleague_may_call_while_another_official_is_in_a_call(setup):
    staff = setup.staff_client()
    called(setup, staff)
    join(setup)
    with setup.ctx.schema():
        make_official(setup.office, email="kollegin@example.org", presence="available")
    colleague = setup.staff_client("kollegin@example.org")
    assert post_json(colleague, "/api/staff/offices/buergerbuero/call-next/").status_code == 200


# --- what the console offers ---------------------------------------------------------------


def _actions(html: str, ticket_id: int) -> set[str]:
    """The ticket's action forms that are shown (not `hidden`)."""
    item = html[html.index(f'data-ticket="{ticket_id}"') :]
    item = item[: item.index("</li>")]
    pattern = rf'<form method="post" action="/staff/tickets/{ticket_id}/([\w-]+)/"([^>]*)>'
    return {m.group(1) for m in re.finditer(pattern, item) if " hidden" not in m.group(2)}


def _call_next_shown(html: str) -> bool:
    form = re.search(
        r'<form method="post" action="/staff/offices/buergerbuero/call-next/"[^>]*>', html
    )
    return form is not None and " hidden" not in form.group(0)


def test_the_console_shows_the_buttons_of_each_phase(setup):
    staff_api, console = setup.staff_client(), logged_in(setup)
    assert _call_next_shown(console.get("/staff/").content.decode())
    ticket_id = called(setup, staff_api)
    html = console.get("/staff/").content.decode()
    assert _actions(html, ticket_id) == {"start", "recall", "no-show"}
    assert not _call_next_shown(html)
    assert "Schließen Sie Ihr laufendes Gespräch ab" in html

    citizen_joins(setup, ticket_id)
    html = console.get("/staff/").content.decode()
    assert _actions(html, ticket_id) == {"start", "complete"}
    assert "Bürger/in ist beigetreten" in html and not _call_next_shown(html)

    post_json(staff_api, f"/api/staff/tickets/{ticket_id}/start/")
    html = console.get("/staff/").content.decode()
    assert _actions(html, ticket_id) == {"complete"}

    post_json(staff_api, f"/api/staff/tickets/{ticket_id}/complete/")
    assert _call_next_shown(console.get("/staff/").content.decode())


def test_the_console_refusal_is_explained(setup):
    staff_api, console = setup.staff_client(), logged_in(setup)
    ticket_id = called(setup, staff_api)
    citizen_joins(setup, ticket_id)
    html = console.post(f"/staff/tickets/{ticket_id}/no-show/", follow=True).content.decode()
    assert "schon beigetreten" in html
    join(setup)
    html = console.post("/staff/offices/buergerbuero/call-next/", follow=True).content.decode()
    assert "Bitte schließen Sie zuerst Ihr laufendes Gespräch ab" in html


def test_the_refresh_api_tells_the_console_each_calls_phase(setup):
    """static/js/staff.js shows and hides the forms by `mine[].phase` and call-next by
    `call_in_progress`: the same rule as the page."""
    staff = setup.staff_client()
    body = staff.get("/api/staff/offices/buergerbuero/queue/").json()
    assert body["mine"] == [] and body["call_in_progress"] is False
    ticket_id = called(setup, staff)
    body = staff.get("/api/staff/offices/buergerbuero/queue/").json()
    assert [(t["id"], t["phase"]) for t in body["mine"]] == [(ticket_id, "called")]
    assert body["call_in_progress"] is True
    citizen_joins(setup, ticket_id)
    body = staff.get("/api/staff/offices/buergerbuero/queue/").json()
    assert [t["phase"] for t in body["mine"]] == ["joined"]
    assert [t["phase"] for t in body["active"]] == ["joined"]
    post_json(staff, f"/api/staff/tickets/{ticket_id}/start/")
    body = staff.get("/api/staff/offices/buergerbuero/queue/").json()
    assert [t["phase"] for t in body["mine"]] == ["in_session"]
