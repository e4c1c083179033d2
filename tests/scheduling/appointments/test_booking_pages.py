"""The citizen pages, without JavaScript: the booking page (also as the waiting room's
overflow target), the confirmation, the manage page with cancel, reschedule and join."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail

from scheduling.appointments.models import Appointment
from scheduling.queue.selectors import booking_url
from tests.offices.factories import make_service
from tests.scheduling.appointments.test_booking_support import (
    booking_body,
    booking_setup,
    local,
    post_json,
)
from tests.scheduling.appointments.test_booking_support import working_day as _working_day
from videoconf.models import VideoSession


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup()


@pytest.fixture
def day():
    return _working_day(7)


def radios(html: str) -> list[str]:
    return re.findall(r'name="start" id="[^"]+" value="([^"]+)"', html)


def book_by_api(ctx, setup, start, **overrides):
    response = post_json(
        ctx.client(), "/api/appointments/", booking_body(setup, start, **overrides)
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_overflow_link_offers_the_earliest_slots_of_the_service_and_keeps_the_input(
    tenant_a, setup_a
):
    with tenant_a.schema():
        make_service(setup_a.office, "anmeldung", name="Anmeldung")
    url = booking_url(
        office_slug="buergerbuero",
        service_slug="ausweis",
        name="Erika M.",
        email="erika@example.org",
    )
    response = tenant_a.client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Erika M."' in html and 'value="erika@example.org"' in html
    assert '<option value="ausweis" selected>' in html
    earliest = (
        tenant_a.client()
        .get("/api/offices/buergerbuero/slots/?service=ausweis&mode=video")
        .json()[0]["start"]
    )
    assert radios(html)[0] == earliest


def test_with_several_services_the_citizen_chooses_one_first(tenant_a, setup_a):
    with tenant_a.schema():
        make_service(setup_a.office, "anmeldung", name="Anmeldung")
    html = tenant_a.client().get("/offices/buergerbuero/book/").content.decode()
    assert "– bitte wählen –" in html
    assert radios(html) == []


def test_booking_through_the_page_ends_on_a_confirmation_with_the_manage_link(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    client = tenant_a.client()
    page = client.get(f"/offices/buergerbuero/book/?service=ausweis&mode=in_person&from={day}")
    start = radios(page.content.decode())[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/offices/buergerbuero/book/",
            {
                "service": "ausweis",
                "mode": "in_person",
                "start": start,
                "name": "Erika",
                "email": "erika@example.org",
                "phone": "",
            },
        )
    assert response.status_code == 302
    assert re.match(r"^/appointments/[A-Z0-9]{8}/confirmed/\?token=", response["Location"])
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    with tenant_a.schema():
        row = Appointment.objects.get()
    assert row.reference in html and f"/appointments/{row.reference}/?token=" in html
    assert row.start == datetime.fromisoformat(start)
    assert len(mail.outbox) == 1


def test_a_taken_slot_on_the_page_explains_and_keeps_the_input(tenant_a, setup_a, day):
    book_by_api(tenant_a, setup_a, local(day, 9), email="first@example.org")
    response = tenant_a.client().post(
        "/offices/buergerbuero/book/",
        {
            "service": "ausweis",
            "mode": "in_person",
            "start": local(day, 9).isoformat(),
            "name": "Zweite",
            "email": "zweite@example.org",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "gerade vergeben" in html and 'role="alert"' in html
    assert 'value="Zweite"' in html and 'value="zweite@example.org"' in html


def test_field_errors_on_the_page_are_announced_next_to_the_fields(tenant_a, setup_a, day):
    response = tenant_a.client().post(
        "/offices/buergerbuero/book/",
        {"service": "ausweis", "mode": "in_person", "name": "", "email": "kaputt", "start": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="e-name"' in html and 'id="e-email"' in html and 'id="e-start"' in html
    assert 'aria-invalid="true"' in html
    with tenant_a.schema():
        assert not Appointment.objects.exists()


def test_unknown_office_page_is_404(tenant_a):
    assert tenant_a.client().get("/offices/gibts-nicht/book/").status_code == 404


def test_manage_page_shows_cancels_and_reschedules(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    data = book_by_api(tenant_a, setup_a, local(day, 9))
    client = tenant_a.client()
    path = f"/appointments/{data['reference']}/?token={data['manage_token']}"
    page = client.get(f"{path}&from={day}")
    assert page.status_code == 200
    html = page.content.decode()
    assert data["reference"] in html and "Termin absagen" in html
    assert local(day, 9, 45).isoformat() in radios(html)  # slots to move to
    assert local(day, 9, 30).isoformat() not in radios(html)  # its own time and buffer
    assert client.get(f"/appointments/{data['reference']}/?token=nope").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(
            f"/appointments/{data['reference']}/reschedule/",
            {
                "token": data["manage_token"],
                "start": local(day, 10).isoformat(),
                "mode": "in_person",
            },
        )
    assert moved.status_code == 302 and moved["Location"] == path
    assert "verschoben" in client.get(path).content.decode()
    with tenant_a.schema():
        assert Appointment.objects.get(reference=data["reference"]).start == local(day, 10)

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(
            f"/appointments/{data['reference']}/cancel/", {"token": data["manage_token"]}
        )
    assert cancelled.status_code == 302
    html = client.get(path).content.decode()
    assert "abgesagt" in html and "Neuen Termin buchen" in html
    with tenant_a.schema():
        assert Appointment.objects.get(reference=data["reference"]).status == "cancelled"


def test_join_appears_when_the_meeting_is_open_and_redirects_to_a_fresh_link(
    tenant_a, setup_a, day
):
    data = book_by_api(tenant_a, setup_a, local(day, 9), mode="video")
    client = tenant_a.client()
    path = f"/appointments/{data['reference']}/?token={data['manage_token']}"
    join = f"/appointments/{data['reference']}/join/?token={data['manage_token']}"
    assert (
        "Videogespräch beitreten</a>"
        not in client.get(path).content.decode().split('id="join-ready"')[0]
    )
    early = client.get(join)
    assert early.status_code == 302 and early["Location"] == path
    with tenant_a.schema():
        appointment = Appointment.objects.get(reference=data["reference"])
        from scheduling.appointments.services import appointment_video_sessions_open

        assert appointment_video_sessions_open(now=appointment.start - timedelta(minutes=5)) == 1
        session = VideoSession.objects.get(subject_kind="appointment", subject_id=appointment.pk)
    api = client.get(f"/api/appointments/{data['reference']}/?token={data['manage_token']}")
    assert api.json()["join_url"] == join
    assert 'href="' + join.replace("&", "&amp;") in client.get(path).content.decode()
    redirect = client.get(join)
    assert redirect.status_code == 302
    assert session.guest_key in redirect["Location"]
    assert client.get(f"/appointments/{data['reference']}/join/?token=wrong").status_code == 404


def test_citizen_pages_of_one_municipality_are_404_on_another(tenant_a, tenant_b, setup_a, day):
    data = book_by_api(tenant_a, setup_a, local(day, 9))
    client_b = tenant_b.client()
    query = f"?token={data['manage_token']}"
    for path in (
        f"/appointments/{data['reference']}/{query}",
        f"/appointments/{data['reference']}/confirmed/{query}",
        f"/appointments/{data['reference']}/join/{query}",
    ):
        assert client_b.get(path).status_code == 404
    assert (
        client_b.post(
            f"/appointments/{data['reference']}/cancel/", {"token": data["manage_token"]}
        ).status_code
        == 404
    )
    with tenant_a.schema():
        assert Appointment.objects.get(reference=data["reference"]).status == "booked"
