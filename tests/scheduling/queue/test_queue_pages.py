"""The waiting-room pages and the staff console, driven like a browser without JavaScript:
forms post, the server redirects, the page shows the outcome."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from offices.models import StaffMember
from scheduling.queue.models import Ticket
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import (
    OFFICIAL_PASSWORD,
    make_appointment,
    make_setup,
)
from videoconf.models import VideoSession


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a)


def draw(client, slug="buergerbuero", **data) -> str:
    response = client.post(f"/offices/{slug}/queue/", data)
    assert response.status_code == 302, response.content
    match = re.fullmatch(r"/queue/([\w-]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def logged_in(ctx, email):
    client = ctx.client()
    response = client.post("/account/login/", {"username": email, "password": OFFICIAL_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def assert_accessible_page(html: str) -> None:
    assert 'http-equiv="refresh"' not in html.lower()  # WCAG 2.2.1: no timed reloads
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # CSP: no inline scripts
    assert " style=" not in html


def test_the_office_pages_button_draws_a_number_and_shows_the_ticket_page(setup):
    client = setup.client()
    token = draw(client)  # the office page's form posts nothing but its CSRF token
    page = client.get(f"/queue/{token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "B-001" in html and "Ihre Position" in html
    assert f'href="/queue/{token}/"' in html  # the refresh link for browsers without JS
    assert 'role="status"' in html and 'role="alert"' in html
    assert "/static/js/queue.js" in html
    assert page["Cache-Control"] == "no-store"
    assert_accessible_page(html)


def test_the_join_form_takes_optional_details(setup):
    client = setup.client()
    form = client.get("/offices/buergerbuero/queue/").content.decode()
    assert 'autocomplete="email"' in form and "freiwillig" in form
    token = draw(
        client, name="Erika", email="erika@example.org", phone="", service="meldebescheinigung"
    )
    with setup.ctx.schema():
        ticket = Ticket.objects.get()
    assert (ticket.name, ticket.email, ticket.service.slug) == (
        "Erika",
        "erika@example.org",
        "meldebescheinigung",
    )
    assert "Meldebescheinigung" in client.get(f"/queue/{token}/").content.decode()


def test_a_bad_email_shows_the_form_again_with_the_error(setup):
    response = setup.client().post("/offices/buergerbuero/queue/", {"email": "nope"})
    assert response.status_code == 400
    assert 'class="field invalid"' in response.content.decode()


def test_a_closed_office_explains_itself_and_links_to_booking(tenant_a):
    with tenant_a.schema():
        make_office("standesamt", windows=[])
    response = tenant_a.client().post("/offices/standesamt/queue/", {"name": "Max"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "geschlossen" in html
    assert 'href="/offices/standesamt/book/?name=Max"' in html


def test_a_full_waiting_room_explains_itself(tenant_a, weekday_morning):
    setup = make_setup(tenant_a, capacity=1)
    client = setup.client()
    draw(client)
    response = client.post("/offices/buergerbuero/queue/", {})
    assert response.status_code == 409 and "voll" in response.content.decode()


def test_the_page_form_is_rate_limited_too(setup):
    client = setup.client(REMOTE_ADDR="10.9.9.9")
    codes = [client.post("/offices/buergerbuero/queue/", {}).status_code for _ in range(11)]
    assert codes == [302] * 10 + [429]


def test_unknown_ticket_page_is_404(setup):
    assert setup.client().get("/queue/unknown/").status_code == 404


def test_leaving_by_form(setup):
    client = setup.client()
    token = draw(client)
    response = client.post(f"/queue/{token}/leave/", follow=True)
    assert "Sie haben den Warteraum verlassen" in response.content.decode()
    with setup.ctx.schema():
        assert Ticket.objects.get().status == "left"


def test_join_link_before_the_call_leads_back_to_the_page(setup):
    client = setup.client()
    token = draw(client)
    response = client.get(f"/queue/{token}/join/")
    assert response.status_code == 302 and response["Location"] == f"/queue/{token}/"


def test_join_link_after_the_call_redirects_to_a_fresh_room_link_and_marks_joined(setup):
    client = setup.client()
    token = draw(client)
    staff = logged_in(setup.ctx, setup.email)
    staff.post("/staff/offices/buergerbuero/call-next/")
    page = client.get(f"/queue/{token}/").content.decode()
    assert "Sie sind dran" in page and f'href="/queue/{token}/join/"' in page
    response = client.get(f"/queue/{token}/join/")
    with setup.ctx.schema():
        session = VideoSession.objects.get()
        ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/video/{session.guest_key}/"
    assert ticket.status == "called" and ticket.joined_at is not None


# --- the staff console ---------------------------------------------------------------------------


def test_the_console_needs_a_login(setup):
    response = setup.client().get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_console_shows_the_queue_and_calls_by_form(setup):
    citizen = setup.client()
    draw(citizen, name="Erika")
    draw(citizen)
    staff = logged_in(setup.ctx, setup.email)
    html = staff.get("/staff/").content.decode()
    assert "B-001" in html and "B-002" in html and "Erika" in html
    assert 'action="/staff/offices/buergerbuero/call-next/"' in html
    assert "/static/js/staff.js" in html
    assert_accessible_page(html)
    after = staff.post("/staff/offices/buergerbuero/call-next/", follow=True).content.decode()
    assert "B-001 ist aufgerufen" in after
    assert "Videoraum öffnen" in after and 'action="/staff/tickets/' in after
    with setup.ctx.schema():
        ticket = Ticket.objects.get(number="B-001")
    staff.post(f"/staff/tickets/{ticket.pk}/start/")
    done = staff.post(f"/staff/tickets/{ticket.pk}/complete/", follow=True).content.decode()
    assert "B-001: erledigt" in done
    with setup.ctx.schema():
        assert Ticket.objects.get(pk=ticket.pk).status == "done"


def test_the_console_sets_presence_and_mode(setup):
    staff = logged_in(setup.ctx, setup.email)
    staff.post("/staff/presence/", {"presence": "away", "mode": "in_person"})
    with setup.ctx.schema():
        member = StaffMember.objects.get(pk=setup.official.pk)
    assert (member.presence, member.mode) == ("away", "in_person")
    bad = staff.post("/staff/presence/", {"presence": "asleep"}, follow=True)
    assert "Ungültige Auswahl" in bad.content.decode()


def test_the_console_shows_the_day_with_appointments_and_handled_tickets(setup):
    with setup.ctx.schema():
        make_appointment(
            office=setup.office,
            official=setup.official,
            start=timezone.now() + timedelta(hours=2),
            name="Hans Termin",
        )
    draw(setup.client())
    staff = logged_in(setup.ctx, setup.email)
    staff.post("/staff/offices/buergerbuero/call-next/")
    html = staff.get("/staff/").content.decode()
    plan = html[html.index('id="plan-h"') :]
    assert "Hans Termin" in plan and "Termin vor Ort" in plan and "Warteraum B-001" in plan


def test_the_console_refuses_a_call_right_before_an_appointment(setup):
    with setup.ctx.schema():
        make_appointment(
            office=setup.office,
            official=setup.official,
            start=timezone.now() + timedelta(minutes=3),
        )
    draw(setup.client())
    staff = logged_in(setup.ctx, setup.email)
    html = staff.post("/staff/offices/buergerbuero/call-next/", follow=True).content.decode()
    assert "Ihr nächster Termin beginnt gleich" in html
    with setup.ctx.schema():
        assert Ticket.objects.get().status == "waiting"


def test_an_official_of_another_office_cannot_act_by_form(setup):
    with setup.ctx.schema():
        other = make_office("standesamt")
        make_official(other, email="standesamt@example.org")
    draw(setup.client(), name="Erika")
    stranger = logged_in(setup.ctx, "standesamt@example.org")
    peek = stranger.get("/staff/?office=buergerbuero").content.decode()
    assert "Erika" not in peek and "B-001" not in peek  # they see their own office instead
    html = stranger.post("/staff/offices/buergerbuero/call-next/", follow=True).content.decode()
    assert "Sie gehören nicht zu diesem Amt" in html
    with setup.ctx.schema():
        assert Ticket.objects.get().status == "waiting"


def test_a_console_session_of_one_municipality_means_nothing_on_another(setup, tenant_b):
    staff = logged_in(setup.ctx, setup.email)
    cookie = staff.cookies["sessionid"].value
    other = tenant_b.client()
    other.cookies["sessionid"] = cookie
    response = other.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
