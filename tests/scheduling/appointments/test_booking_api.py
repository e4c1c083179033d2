"""The citizens' booking API (CONTRACT.md §3): slots, booking, validation, the per-e-mail
limit, manage with the token, cancel, reschedule, mails, tenant isolation, suspension."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from scheduling.appointments.models import Appointment, hash_secret
from tests.scheduling.appointments.test_booking_support import (
    booking_body,
    booking_setup,
    ics_of,
    local,
    post_json,
    working_day,
)


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup()


@pytest.fixture
def day():
    return working_day(7)


def book(ctx, setup, when, capture=None, **overrides):
    client = ctx.client()
    body = booking_body(setup, when, **overrides)
    if capture is None:
        return post_json(client, "/api/appointments/", body)
    with capture(execute=True):
        return post_json(client, "/api/appointments/", body)


# --- slots ------------------------------------------------------------------------------------


def test_slots_api_lists_free_slots_with_local_offsets(tenant_a, setup_a, day):
    response = tenant_a.client().get(
        f"/api/offices/buergerbuero/slots/?from={day}&to={day}&service=ausweis&mode=video"
    )
    assert response.status_code == 200
    slots = response.json()
    assert slots[0]["start"].startswith(f"{day}T08:00:00+0")
    assert slots[0]["end"].startswith(f"{day}T08:30:00+0")
    assert {s["mode"] for s in slots} == {"video"}
    assert set(slots[0]) == {"start", "end", "mode"}


def test_slots_api_without_service_uses_the_first_bookable_one(tenant_a, setup_a, day):
    response = tenant_a.client().get(f"/api/offices/buergerbuero/slots/?from={day}&to={day}")
    assert response.status_code == 200
    assert {s["mode"] for s in response.json()} == {"video", "in_person"}


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("from=2027-13-01", "from", "bad_date"),
        ("from=2027-03-01&to=yesterday", "to", "bad_date"),
        ("from=2027-03-10&to=2027-03-01", "to", "range_reversed"),
        ("from=2027-03-01&to=2027-05-02", "to", "range_too_long"),
        ("mode=carrier-pigeon", "mode", "invalid_choice"),
        ("service=gibts-nicht", "service", "unknown_service"),
    ],
)
def test_slots_api_rejects_bad_queries(tenant_a, setup_a, query, field, code):
    response = tenant_a.client().get(f"/api/offices/buergerbuero/slots/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["errors"]


def test_slots_api_unknown_office_is_404(tenant_a):
    assert tenant_a.client().get("/api/offices/nope/slots/").status_code == 404


def test_slots_api_accepts_62_days(tenant_a, setup_a, day):
    end = day + timedelta(days=61)
    response = tenant_a.client().get(f"/api/offices/buergerbuero/slots/?from={day}&to={end}")
    assert response.status_code == 200


# --- booking ----------------------------------------------------------------------------------


def test_booking_returns_the_contract_shape_and_mails_a_confirmation(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    start = local(day, 9)
    response = book(tenant_a, setup_a, start, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    data = response.json()
    assert {
        "reference",
        "office",
        "service",
        "start",
        "end",
        "mode",
        "status",
        "manage_token",
    } <= set(data)
    assert data["office"] == "buergerbuero" and data["service"] == "ausweis"
    assert data["status"] == "booked" and data["mode"] == "in_person"
    assert data["start"] == start.isoformat()
    assert data["end"] == (start + timedelta(minutes=30)).isoformat()
    with tenant_a.schema():
        row = Appointment.objects.get(reference=data["reference"])
        assert row.manage_token_hash == hash_secret(data["manage_token"])
        assert data["manage_token"] not in row.manage_token_hash
        assert row.official == setup_a.officials[0]
        assert row.blocked_until == row.end + timedelta(minutes=5)
        assert row.language == "de"
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert data["reference"] in message.body
    assert f"appointments/{data['reference']}/?token={data['manage_token']}" in message.body
    assert "Ihr Termin" in message.subject
    assert str(ics_of(message)["METHOD"]) == "REQUEST"


def test_booking_mail_is_english_for_an_english_request(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    client = tenant_a.client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/api/appointments/", booking_body(setup_a, local(day, 9)))
    assert response.status_code == 201
    [message] = mail.outbox
    assert message.subject.startswith("Your appointment")
    assert "Reference:" in message.body


def test_the_same_slot_cannot_be_booked_twice(tenant_a, setup_a, day):
    first = book(tenant_a, setup_a, local(day, 9))
    second = book(tenant_a, setup_a, local(day, 9), email="max@example.org")
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "slot_taken"
    slots = (
        tenant_a.client()
        .get(f"/api/offices/buergerbuero/slots/?from={day}&to={day}&service=ausweis")
        .json()
    )
    assert not [s for s in slots if s["start"] == local(day, 9).isoformat()]


def test_a_second_official_takes_the_second_booking(tenant_a, day):
    with tenant_a.schema():
        setup = booking_setup(officials=2)
    a = book(tenant_a, setup, local(day, 9))
    b = book(tenant_a, setup, local(day, 9), email="max@example.org")
    c = book(tenant_a, setup, local(day, 9), email="eva@example.org")
    assert (a.status_code, b.status_code, c.status_code) == (201, 201, 409)
    with tenant_a.schema():
        assert {r.official_id for r in Appointment.objects.all()} == {o.pk for o in setup.officials}


def test_bookings_per_email_and_office_are_limited(tenant_a, setup_a, day, settings):
    settings.BOOKING_MAX_ACTIVE_PER_EMAIL = 2
    assert book(tenant_a, setup_a, local(day, 8)).status_code == 201
    assert book(tenant_a, setup_a, local(day, 9), email="ERIKA@example.org").status_code == 201
    third = book(tenant_a, setup_a, local(day, 10))
    assert third.status_code == 409
    assert third.json()["code"] == "booking_limit"
    # A cancelled booking no longer counts.
    with tenant_a.schema():
        Appointment.objects.filter(start=local(day, 8)).update(status="cancelled")
    assert book(tenant_a, setup_a, local(day, 10)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"start": "09:00"}, "start", "invalid"),
        ({"start": "2030-01-07T09:00:00"}, "start", "start_needs_offset"),
        ({"office": "gibts-nicht"}, "office", "unknown_office"),
        ({"service": "gibts-nicht"}, "service", "unknown_service"),
        ({"mode": "telepathy"}, "mode", "invalid_choice"),
        ({"email": "not-an-address"}, "email", "invalid"),
        ({"name": ""}, "name", "blank"),
        ({"name": "x" * 101}, "name", "max_length"),
        ({"phone": "1" * 41}, "phone", "max_length"),
        ({"phone": "<script>"}, "phone", "invalid"),
    ],
)
def test_bad_booking_input_is_a_400_with_field_errors(
    tenant_a, setup_a, day, overrides, field, code
):
    response = book(tenant_a, setup_a, local(day, 9), **overrides)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"]
    assert body["code"] == code


def test_missing_fields_are_400(tenant_a, setup_a):
    response = post_json(tenant_a.client(), "/api/appointments/", {})
    assert response.status_code == 400
    assert {"office", "service", "start", "mode", "name", "email"} <= set(response.json()["errors"])


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (lambda day: local(day, 9, 7), "off_grid"),
        (lambda day: local(day, 12), "off_grid"),  # closing time is no start
        (lambda day: local(day, 11, 45), "slot_not_offered"),  # on the grid, but would overrun
        (lambda day: local(day - timedelta(days=400), 9), "start_in_past"),
        (lambda day: local(day + timedelta(days=200), 9), "beyond_horizon"),
    ],
)
def test_starts_that_are_never_offered_are_400(tenant_a, setup_a, day, when, code):
    response = book(tenant_a, setup_a, when(day))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert "start" in response.json()["errors"]


def test_a_start_inside_the_lead_time_is_400(tenant_a, day):
    with tenant_a.schema():
        setup = booking_setup(lead=60 * 24 * 30)
    response = book(tenant_a, setup, local(day, 9))
    assert response.status_code == 400
    assert response.json()["code"] == "too_soon"


def test_a_mode_the_service_does_not_offer_is_400(tenant_a, day):
    with tenant_a.schema():
        setup = booking_setup(video=False)
    response = book(tenant_a, setup, local(day, 9), mode="video")
    assert response.status_code == 400
    assert response.json()["code"] == "mode_not_offered"


def test_a_start_in_another_offset_is_the_same_instant(tenant_a, setup_a, day):
    start = local(day, 9).astimezone(timedelta_zone(0))
    response = book(tenant_a, setup_a, start)
    assert response.status_code == 201
    assert response.json()["start"] == local(day, 9).isoformat()


def timedelta_zone(hours):
    from datetime import timezone as dt_timezone

    return dt_timezone(timedelta(hours=hours))


# --- manage: see, cancel, reschedule ------------------------------------------------------------


def test_the_token_shows_the_appointment_and_a_wrong_one_is_404(tenant_a, setup_a, day):
    data = book(tenant_a, setup_a, local(day, 9)).json()
    client = tenant_a.client()
    ok = client.get(f"/api/appointments/{data['reference']}/?token={data['manage_token']}")
    assert ok.status_code == 200
    assert ok.json()["status"] == "booked"
    assert ok.json()["join_url"] is None
    for url in (
        f"/api/appointments/{data['reference']}/?token=wrong",
        f"/api/appointments/{data['reference']}/",
        f"/api/appointments/NOPE1234/?token={data['manage_token']}",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_cancel_with_the_token_frees_the_slot_and_mails_a_cancel(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    data = book(tenant_a, setup_a, local(day, 9), django_capture_on_commit_callbacks).json()
    client = tenant_a.client()
    wrong = post_json(client, f"/api/appointments/{data['reference']}/cancel/", {"token": "x"})
    assert wrong.status_code == 404
    assert (
        post_json(client, f"/api/appointments/{data['reference']}/cancel/", {}).status_code == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            f"/api/appointments/{data['reference']}/cancel/",
            {"token": data["manage_token"]},
        )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert str(ics_of(mail.outbox[-1])["METHOD"]) == "CANCEL"
    # Cancelling again changes nothing and sends nothing.
    again = post_json(
        client, f"/api/appointments/{data['reference']}/cancel/", {"token": data["manage_token"]}
    )
    assert again.status_code == 200 and len(mail.outbox) == 2
    assert book(tenant_a, setup_a, local(day, 9), email="max@example.org").status_code == 201


def test_reschedule_keeps_reference_and_token(
    tenant_a, setup_a, day, django_capture_on_commit_callbacks
):
    data = book(tenant_a, setup_a, local(day, 9)).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            tenant_a.client(),
            f"/api/appointments/{data['reference']}/reschedule/",
            {"token": data["manage_token"], "start": local(day, 11).isoformat(), "mode": "video"},
        )
    assert response.status_code == 200, response.content
    moved = response.json()
    assert moved["reference"] == data["reference"]
    assert moved["start"] == local(day, 11).isoformat() and moved["mode"] == "video"
    shown = (
        tenant_a.client()
        .get(f"/api/appointments/{data['reference']}/?token={data['manage_token']}")
        .json()
    )
    assert shown["start"] == local(day, 11).isoformat()
    with tenant_a.schema():
        assert Appointment.objects.get(reference=f"{data['reference']}.1").status == "cancelled"
    [message] = mail.outbox
    assert f"?token={data['manage_token']}" in message.body
    # The old time is free again.
    assert book(tenant_a, setup_a, local(day, 9), email="max@example.org").status_code == 201


def test_reschedule_with_bad_input(tenant_a, setup_a, day):
    data = book(tenant_a, setup_a, local(day, 9)).json()
    url = f"/api/appointments/{data['reference']}/reschedule/"
    client = tenant_a.client()
    assert (
        post_json(client, url, {"token": "wrong", "start": local(day, 10).isoformat()}).status_code
        == 404
    )
    bad = post_json(client, url, {"token": data["manage_token"], "start": "soon"})
    assert bad.status_code == 400 and "start" in bad.json()["errors"]
    off = post_json(
        client, url, {"token": data["manage_token"], "start": local(day, 10, 5).isoformat()}
    )
    assert off.status_code == 400 and off.json()["code"] == "off_grid"


# --- isolation and suspension -------------------------------------------------------------------


def test_a_reference_and_token_of_one_municipality_mean_nothing_on_another(
    tenant_a, tenant_b, setup_a, day
):
    data = book(tenant_a, setup_a, local(day, 9)).json()
    with tenant_b.schema():
        booking_setup()  # tenant_b has an office of the same slug, too
    client_b = tenant_b.client()
    url = f"/api/appointments/{data['reference']}/"
    assert client_b.get(f"{url}?token={data['manage_token']}").status_code == 404
    assert post_json(client_b, f"{url}cancel/", {"token": data["manage_token"]}).status_code == 404
    assert (
        post_json(
            client_b,
            f"{url}reschedule/",
            {"token": data["manage_token"], "start": local(day, 10).isoformat()},
        ).status_code
        == 404
    )
    # tenant_b's calendar is untouched by tenant_a's booking
    slots_b = client_b.get(
        f"/api/offices/buergerbuero/slots/?from={day}&to={day}&service=ausweis&mode=in_person"
    ).json()
    assert local(day, 9).isoformat() in {s["start"] for s in slots_b}
    with tenant_a.schema():
        assert Appointment.objects.get(reference=data["reference"]).status == "booked"


def test_a_suspended_municipality_takes_no_bookings(tenant_a, setup_a, day):
    connection.set_schema_to_public()
    tenant_a.tenant.status = "suspended"
    tenant_a.tenant.save(update_fields=["status"])
    response = book(tenant_a, setup_a, local(day, 9))
    assert response.status_code == 503
    assert response.json()["code"] == "municipality_suspended"
    assert tenant_a.client().get("/offices/buergerbuero/book/").status_code == 503
