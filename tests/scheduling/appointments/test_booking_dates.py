"""Every date and time a citizen, an official or an admin sends to the appointments part -
query parameters, JSON, forms - is parsed and bounded in one place before any arithmetic:
year 1, year 9999, dates before the epoch and garbage get a 400 with a field error and a code
(pages: a clear message), never a 500."""

from __future__ import annotations

import pytest

from tests.scheduling.appointments.test_booking_staff import admin_client, staff_client
from tests.scheduling.appointments.test_booking_support import (
    booking_body,
    booking_setup,
    local,
    post_json,
    working_day,
)

DATES = [
    "0001-01-01",
    "9999-12-31",
    "1969-12-31",
    "1900-01-01",
    "2027-02-30",
    "morgen",
    "9999-12-31T23:59:59+14:00",
]
MOMENTS = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31",
    "0001-01-01",
    "1969-12-31T09:00:00+01:00",
    "1900-01-01T09:00:00+01:00",
    "2027-02-30T09:00:00+01:00",
    "garbage",
]
CODES = {"bad_date", "date_out_of_range", "invalid", "start_needs_offset"}


@pytest.fixture
def world(tenant_a):
    with tenant_a.schema():
        setup = booking_setup()
    day = working_day(7)
    booked = post_json(tenant_a.client(), "/api/appointments/", booking_body(setup, local(day, 9)))
    assert booked.status_code == 201, booked.content
    return {"setup": setup, "day": day, **booked.json()}


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert field in body["errors"], body
    assert body["code"] in CODES, body


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", DATES)
@pytest.mark.parametrize("param", ["from", "to"])
def test_slots_refuse_impossible_dates(tenant_a, world, param, value):
    day = world["day"]
    query = {"from": day.isoformat(), "to": day.isoformat(), param: value}
    response = tenant_a.client().get("/api/offices/buergerbuero/slots/", query)
    assert_field_error(response, param)


@pytest.mark.parametrize("value", MOMENTS)
def test_booking_refuses_impossible_starts(tenant_a, world, value):
    body = booking_body(world["setup"], local(world["day"], 10), email="max@example.org")
    response = post_json(tenant_a.client(), "/api/appointments/", {**body, "start": value})
    assert_field_error(response, "start")


@pytest.mark.parametrize("value", MOMENTS)
def test_rescheduling_refuses_impossible_starts(tenant_a, world, value):
    response = post_json(
        tenant_a.client(),
        f"/api/appointments/{world['reference']}/reschedule/",
        {"token": world["manage_token"], "start": value},
    )
    assert_field_error(response, "start")


@pytest.mark.parametrize("value", DATES)
def test_day_plan_refuses_impossible_dates(tenant_a, world, value):
    client = staff_client(tenant_a, world["setup"])
    response = client.get("/api/staff/appointments/", {"date": value})
    assert_field_error(response, "date")


@pytest.mark.parametrize("value", MOMENTS)
@pytest.mark.parametrize("field", ["start", "end"])
def test_admin_blocks_refuse_impossible_times(tenant_a, world, field, value):
    day = world["day"]
    body = {
        "official": world["setup"].officials[0].pk,
        "start": local(day, 11).isoformat(),
        "end": local(day, 12).isoformat(),
        field: value,
    }
    response = post_json(admin_client(tenant_a), "/api/admin/blocks/", body)
    assert_field_error(response, field)


def test_the_range_ends_are_still_accepted(tenant_a, world):
    """The bounds are wide: the first and last day of the range are answered normally."""
    client = tenant_a.client()
    for day in ("2000-01-01", "2099-12-31"):
        response = client.get("/api/offices/buergerbuero/slots/", {"from": day, "to": day})
        assert response.status_code == 200 and response.json() == []
    staff = staff_client(tenant_a, world["setup"])
    assert staff.get("/api/staff/appointments/", {"date": "2099-12-31"}).json() == []


# --- pages ------------------------------------------------------------------------------------

PAGE_MESSAGE = "Bitte wählen Sie ein Datum zwischen dem 1. Januar 2000 und dem 31. Dezember 2099."
BAD_FORMAT_MESSAGE = "Bitte geben Sie das Datum im Format JJJJ-MM-TT an."


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1969-12-31"])
def test_booking_page_explains_an_impossible_week(tenant_a, world, value):
    response = tenant_a.client().get(
        "/offices/buergerbuero/book/", {"service": "ausweis", "mode": "in_person", "from": value}
    )
    assert response.status_code == 400
    assert PAGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("value", MOMENTS)
def test_booking_page_refuses_an_impossible_start(tenant_a, world, value):
    response = tenant_a.client().post(
        "/offices/buergerbuero/book/",
        {
            "service": "ausweis",
            "mode": "in_person",
            "start": value,
            "name": "Max",
            "email": "max@example.org",
        },
    )
    assert response.status_code == 400
    assert "Bitte wählen Sie einen Termin." in response.content.decode()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1969-12-31"])
def test_manage_page_explains_an_impossible_week(tenant_a, world, value):
    response = tenant_a.client().get(
        f"/appointments/{world['reference']}/", {"token": world["manage_token"], "from": value}
    )
    assert response.status_code == 400
    assert PAGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("value", MOMENTS)
def test_reschedule_page_refuses_an_impossible_start(tenant_a, world, value):
    client = tenant_a.client()
    response = client.post(
        f"/appointments/{world['reference']}/reschedule/",
        {"token": world["manage_token"], "start": value},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Bitte wählen Sie einen neuen Termin." in page


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1969-12-31", "morgen"])
def test_staff_day_plan_page_explains_an_impossible_day(tenant_a, world, value):
    client = tenant_a.client()
    with tenant_a.schema():
        client.force_login(world["setup"].officials[0].user)
    response = client.get("/staff/appointments/", {"date": value})
    assert response.status_code == 400
    expected = BAD_FORMAT_MESSAGE if value == "morgen" else PAGE_MESSAGE
    assert expected in response.content.decode()
