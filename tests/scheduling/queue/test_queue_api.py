"""The waiting-room API (CONTRACT.md §3): joining and its refusals, the status endpoint with
ETags, leaving, the officials' endpoints, and what other offices and municipalities see."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from scheduling.queue.models import Ticket
from tests.conftest import PASSWORD, api_token
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import (
    ALL_DAY,
    Setup,
    make_appointment,
    make_setup,
)
from videoconf.models import VideoSession


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a)


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def join(client, slug="buergerbuero", **data):
    return post_json(client, f"/api/offices/{slug}/queue/", data)


# --- joining -----------------------------------------------------------------------------------


def test_join_answers_201_with_number_token_and_position(setup):
    client = setup.client()
    first = join(client)
    second = join(client, name="Erika", email="erika@example.org", service="meldebescheinigung")
    assert first.status_code == 201, first.content
    body = second.json()
    assert body["number"] == "B-002" and body["status"] == "waiting"
    assert body["position"] == 2 and body["people_ahead"] == 1
    assert body["service"] == "Meldebescheinigung"
    assert len(body["token"]) >= 43
    assert body["status_url"] == f"/api/queue/{body['token']}/"
    assert body["page_url"] == f"/queue/{body['token']}/"


def test_join_outside_opening_hours_is_409_office_closed_with_the_booking_link(tenant_a):
    with tenant_a.schema():
        make_office("standesamt", windows=[])
    response = join(tenant_a.client(), "standesamt", name="Max Muster", email="max@example.org")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "office_closed"
    assert body["booking_url"] == (
        "/offices/standesamt/book/?name=Max+Muster&email=max%40example.org"
    )
    assert body["detail"]


def test_join_at_capacity_is_409_waiting_room_full_with_a_prefilled_booking_link(
    tenant_a, weekday_morning
):
    setup = make_setup(tenant_a, capacity=2)
    client = setup.client()
    assert join(client).status_code == 201
    assert join(client).status_code == 201
    response = join(client, service="meldebescheinigung", name="Erika")
    assert response.status_code == 409
    assert response.json()["code"] == "waiting_room_full"
    assert response.json()["booking_url"] == (
        "/offices/buergerbuero/book/?service=meldebescheinigung&name=Erika"
    )
    with tenant_a.schema():
        assert Ticket.objects.count() == 2
        # The refused join gave its number back: the next one is B-003, not B-004.
        Ticket.objects.filter(number="B-001").update(status="left")
    assert join(client).json()["number"] == "B-003"


def test_join_an_office_without_video_is_refused(tenant_a):
    with tenant_a.schema():
        make_office(
            "kfz", windows=[(d, time(0), time(23, 59, 59)) for d in range(7)], video_enabled=False
        )
    response = join(tenant_a.client(), "kfz")
    assert response.status_code == 409
    assert response.json()["code"] == "video_not_offered"
    assert response.json()["booking_url"] == "/offices/kfz/book/"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"email": "not-an-e-mail"}, "invalid"),
        ({"name": "x" * 101}, "max_length"),
        ({"phone": "call me <script>"}, "invalid"),
        ({"service": "no-such-service"}, "unknown_service"),
    ],
)
def test_join_with_bad_input_is_400_with_a_code(setup, data, code):
    response = join(setup.client(), **data)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_join_with_malformed_json_is_400(setup):
    response = setup.client().post(
        "/api/offices/buergerbuero/queue/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_join_an_unknown_office_is_404(tenant_a):
    response = join(tenant_a.client(), "gibt-es-nicht")
    assert response.status_code == 404
    assert response.json()["code"] == "office_not_found"


def test_joining_is_rate_limited_per_client(setup):
    one, other = setup.client(REMOTE_ADDR="10.0.0.1"), setup.client(REMOTE_ADDR="10.0.0.2")
    codes = [join(one).status_code for _ in range(11)]
    assert codes == [201] * 10 + [429]
    limited = join(one)
    assert limited.json()["code"] == "throttled" and limited.json()["retry_after_seconds"] > 0
    assert join(other).status_code == 201  # another client is not affected


def test_a_spoofed_forwarded_for_header_does_not_escape_the_limit(setup):
    client = setup.client(REMOTE_ADDR="10.0.0.3")
    codes = [
        client.post(
            "/api/offices/buergerbuero/queue/",
            {},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        ).status_code
        for i in range(11)
    ]
    assert codes[-1] == 429


def test_waiting_count_shows_up_in_the_office_list(setup):
    client = setup.client()
    for _ in range(3):
        join(client)
    offices = {o["slug"]: o for o in client.get("/api/offices/").json()}
    assert offices["buergerbuero"]["waiting_count"] == 3


# --- watching and leaving -----------------------------------------------------------------------


def test_status_shows_position_wait_and_no_join_url_until_called(setup):
    client = setup.client()
    join(client)
    token = join(client).json()["token"]
    body = client.get(f"/api/queue/{token}/").json()
    assert {
        k: body[k] for k in ("number", "office", "position", "people_ahead", "status", "join_url")
    } == {
        "number": "B-002",
        "office": "buergerbuero",
        "position": 2,
        "people_ahead": 1,
        "status": "waiting",
        "join_url": None,
    }
    # One official is free: the first in line goes at once, the second waits one session.
    assert body["estimated_wait_minutes"] == 10


def test_status_is_304_while_nothing_changes_and_200_when_the_position_moves(setup):
    client = setup.client()
    first = join(client).json()["token"]
    token = join(client).json()["token"]
    response = client.get(f"/api/queue/{token}/")
    etag = response["ETag"]
    assert response["Cache-Control"] == "private, no-cache"
    unchanged = client.get(f"/api/queue/{token}/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert client.delete(f"/api/queue/{first}/").status_code == 200
    moved = client.get(f"/api/queue/{token}/", HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved.json()["position"] == 1
    assert moved["ETag"] != etag


def test_status_endpoint_costs_two_queries_when_the_snapshot_is_warm(
    setup, django_assert_max_num_queries
):
    client = setup.client()
    token = join(client).json()["token"]
    client.get(f"/api/queue/{token}/")
    # The host's domain row and the ticket by its hash, each after a search_path switch.
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/queue/{token}/").status_code == 200


def test_unknown_token_is_404(setup):
    client = setup.client()
    assert client.get("/api/queue/not-a-token/").status_code == 404
    assert client.get(f"/api/queue/{'x' * 500}/").status_code == 404
    assert client.delete("/api/queue/not-a-token/").json()["code"] == "ticket_not_found"


def test_leaving_sets_status_left(setup):
    client = setup.client()
    token = join(client).json()["token"]
    response = client.delete(f"/api/queue/{token}/")
    assert response.status_code == 200 and response.json()["status"] == "left"
    assert client.get(f"/api/queue/{token}/").json()["status"] == "left"


def test_the_status_of_one_citizen_shows_nothing_of_another(setup):
    client = setup.client()
    other = join(client, name="Erika Muster", email="erika@example.org").json()
    mine = client.get(f"/api/queue/{join(client).json()['token']}/").content.decode()
    assert "Erika" not in mine and "erika@example.org" not in mine
    assert other["token"] not in mine and other["number"] not in mine


# --- officials ----------------------------------------------------------------------------------


def test_call_next_returns_the_ticket_and_the_host_url_then_204(setup):
    client = setup.client()
    token = join(client, name="Erika").json()["token"]
    staff = setup.staff_client()
    response = post_json(staff, "/api/staff/offices/buergerbuero/call-next/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ticket"]["number"] == "B-001" and body["ticket"]["status"] == "called"
    assert body["ticket"]["name"] == "Erika" and body["ticket"]["id"]
    assert body["host_url"].startswith("/video/")
    status = client.get(f"/api/queue/{token}/").json()
    assert status["status"] == "called" and status["join_url"] == f"/queue/{token}/join/"
    assert status["estimated_wait_minutes"] == 0
    post_json(staff, f"/api/staff/tickets/{body['ticket']['id']}/no-show/")
    assert post_json(staff, "/api/staff/offices/buergerbuero/call-next/").status_code == 204


def test_ticket_actions_start_complete_no_show_recall_and_transfer(setup, tenant_a):
    with tenant_a.schema():
        make_office("standesamt", ticket_prefix="S", windows=ALL_DAY)
    client, staff = setup.client(), setup.staff_client()
    for _ in range(3):
        join(client)

    def call_next() -> int:
        return post_json(staff, "/api/staff/offices/buergerbuero/call-next/").json()["ticket"]["id"]

    ids = [call_next()]
    started = post_json(staff, f"/api/staff/tickets/{ids[0]}/start/")
    assert started.status_code == 200 and started.json()["ticket"]["status"] == "in_session"
    done = post_json(staff, f"/api/staff/tickets/{ids[0]}/complete/")
    assert done.json()["ticket"]["status"] == "done"
    ids.append(call_next())
    no_show = post_json(staff, f"/api/staff/tickets/{ids[1]}/no-show/")
    assert no_show.json()["ticket"]["status"] == "no_show"
    recalled = post_json(staff, f"/api/staff/tickets/{ids[1]}/recall/")
    assert recalled.json()["ticket"]["status"] == "called"
    assert recalled.json()["ticket"]["call_count"] == 2 and recalled.json()["host_url"]
    moved = post_json(staff, f"/api/staff/tickets/{ids[1]}/transfer/", {"office": "standesamt"})
    assert moved.json()["ticket"]["office"] == "standesamt"
    assert moved.json()["ticket"]["number"] == "S-001"
    assert moved.json()["ticket"]["status"] == "waiting"
    ids.append(call_next())
    again = post_json(staff, f"/api/staff/tickets/{ids[0]}/start/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert (
        post_json(staff, f"/api/staff/tickets/{ids[2]}/transfer/", {"office": "nirgendwo"}).json()[
            "code"
        ]
        == "unknown_office"
    )
    assert post_json(staff, "/api/staff/tickets/999999/start/").status_code == 404


def test_the_staff_queue_lists_waiting_tickets_oldest_first_with_names_where_given(setup):
    client, staff = setup.client(), setup.staff_client()
    join(client, name="Erika")
    join(client)
    body = staff.get("/api/staff/offices/buergerbuero/queue/").json()
    assert [t["number"] for t in body["waiting"]] == ["B-001", "B-002"]
    assert [t["name"] for t in body["waiting"]] == ["Erika", ""]
    assert body["active"] == [] and body["appointment_due"] is None


def test_call_next_is_409_when_an_appointment_is_due(setup, tenant_a):
    join(setup.client())
    with tenant_a.schema():
        make_appointment(
            office=setup.office,
            official=setup.official,
            start=timezone.now() + timedelta(minutes=5),
        )
    response = post_json(setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/")
    assert response.status_code == 409 and response.json()["code"] == "appointment_due"
    assert "appointment_start" in response.json()


def test_staff_endpoints_need_a_login(setup):
    client = setup.client()
    assert post_json(client, "/api/staff/offices/buergerbuero/call-next/").status_code in (401, 403)
    assert client.get("/api/staff/offices/buergerbuero/queue/").status_code in (401, 403)


def test_staff_of_another_office_cannot_see_or_work_this_queue(setup, tenant_a):
    with tenant_a.schema():
        other = make_office("standesamt")
        make_official(other, email="standesamt@example.org")
    join(setup.client(), name="Erika")
    own_ticket = post_json(
        setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/"
    ).json()["ticket"]["id"]
    join(setup.client())
    stranger = setup.staff_client("standesamt@example.org")
    call = post_json(stranger, "/api/staff/offices/buergerbuero/call-next/")
    assert call.status_code == 403 and call.json()["code"] == "not_staff_of_office"
    peek = stranger.get("/api/staff/offices/buergerbuero/queue/")
    assert peek.status_code == 403 and "Erika" not in peek.content.decode()
    for action in ("start", "no-show", "recall"):
        assert post_json(stranger, f"/api/staff/tickets/{own_ticket}/{action}/").status_code == 403
    with tenant_a.schema():
        assert Ticket.objects.get(pk=own_ticket).status == "called"


def test_admins_see_every_queue_but_act_only_where_they_belong(setup, tenant_a):
    join(setup.client(), name="Erika")
    client = setup.ctx.client()
    admin = setup.ctx.client(
        HTTP_AUTHORIZATION=f"Token {api_token(client, tenant_a.admin_email, PASSWORD)}"
    )
    assert admin.get("/api/staff/offices/buergerbuero/queue/").status_code == 200
    response = post_json(admin, "/api/staff/offices/buergerbuero/call-next/")
    assert response.status_code == 403


# --- another municipality -------------------------------------------------------------------


def test_another_municipality_sees_nothing_of_this_queue(setup, tenant_b):
    client = setup.client()
    token = join(client, name="Erika").json()["token"]
    ticket_id = post_json(
        setup.staff_client(), "/api/staff/offices/buergerbuero/call-next/"
    ).json()["ticket"]["id"]
    other = tenant_b.client()
    assert other.get(f"/api/queue/{token}/").status_code == 404
    assert other.delete(f"/api/queue/{token}/").status_code == 404
    assert join(other).status_code == 404  # beta has no office of that name
    # alpha's official's token is worthless on beta's host ...
    alpha_token = setup.staff_client().defaults["HTTP_AUTHORIZATION"]
    foreign = tenant_b.client(HTTP_AUTHORIZATION=alpha_token)
    assert post_json(foreign, f"/api/staff/tickets/{ticket_id}/complete/").status_code == 401
    # ... and beta's own official cannot reach alpha's tickets at all.
    with tenant_b.schema():
        office = make_office("buergerbuero")
        make_official(office, email="beta.official@example.org")
    beta = Setup(
        ctx=tenant_b, office=office, service=None, official=None, email="beta.official@example.org"
    ).staff_client()
    assert post_json(beta, f"/api/staff/tickets/{ticket_id}/start/").status_code == 404
    assert post_json(beta, "/api/staff/offices/buergerbuero/call-next/").status_code == 204
    with setup.ctx.schema():
        assert Ticket.objects.get(pk=ticket_id).status == "called"
        assert VideoSession.objects.filter(subject_kind="ticket", subject_id=ticket_id).count() == 1


def test_the_openapi_schema_documents_the_waiting_room(tenant_a):
    schema = tenant_a.client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/offices/{slug}/queue/"])
    assert {"get", "delete"} <= set(paths["/api/queue/{token}/"])
    for action in ("start", "complete", "no-show", "recall", "transfer"):
        assert "post" in paths[f"/api/staff/tickets/{{id}}/{action}/"]
    call_next = paths["/api/staff/offices/{slug}/call-next/"]["post"]["responses"]
    assert {"200", "204", "409", "503"} <= set(call_next)
