"""Staff and admin around appointments: the day plan (API and page), blocked time, cancelling
with a message, no-shows - each limited to the municipality and, for staff, their offices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from platform_core.models import AuditLog
from scheduling.appointments.models import Appointment
from tests.conftest import api_token
from tests.offices.factories import make_official
from tests.scheduling.appointments.test_booking_support import (
    booking_body,
    booking_setup,
    ics_of,
    local,
    post_json,
    working_day,
)

STAFF_PW = "pw-123456"  # tests.offices.factories.make_official


def row(
    setup,
    start,
    *,
    official=None,
    kind="appointment",
    status="booked",
    mode="in_person",
    minutes=30,
    name="Erika",
    ref=None,
):
    return Appointment.objects.create(
        reference=ref or f"S{Appointment.objects.count():07d}",
        office=setup.office,
        service=setup.service if kind == "appointment" else None,
        official=official or setup.officials[0],
        kind=kind,
        status=status,
        mode=mode,
        start=start,
        end=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes + 5),
        name=name,
        email="erika@example.org",
        note="Fortbildung" if kind == "block" else "",
    )


@pytest.fixture
def world(tenant_a):
    """Two offices of tenant_a with one official each, and a day with appointments."""
    day = working_day(7)
    with tenant_a.schema():
        a = booking_setup(slug="buergerbuero")
        b = booking_setup(slug="standesamt", service_slug="trauung")
        row(a, local(day, 10), mode="video", name="Video-Bürger")
        row(a, local(day, 8, 15), name="Früh")
        row(a, local(day, 9), kind="block")
        row(a, local(day, 11), status="cancelled", name="Abgesagt")
        row(b, local(day, 9, 15), name="Standesamt-Bürger")
        row(a, local(day + timedelta(days=1), 9), name="Morgen")
    return {"day": day, "a": a, "b": b}


def staff_client(ctx, setup):
    client = ctx.client()
    token = api_token(client, setup.officials[0].user.email, STAFF_PW)
    return ctx.client(HTTP_AUTHORIZATION=f"Token {token}")


def admin_client(ctx):
    client = ctx.client()
    return ctx.client(HTTP_AUTHORIZATION=f"Token {api_token(client, ctx.admin_email)}")


# --- day plan ---------------------------------------------------------------------------------


def test_staff_see_their_offices_day_in_time_order(tenant_a, world):
    day = world["day"]
    response = staff_client(tenant_a, world["a"]).get(f"/api/staff/appointments/?date={day}")
    assert response.status_code == 200
    plan = response.json()
    assert [(e["start"][11:16], e["kind"], e["mode"], e["name"]) for e in plan] == [
        ("08:15", "appointment", "in_person", "Früh"),
        ("09:00", "block", "in_person", ""),
        ("10:00", "appointment", "video", "Video-Bürger"),
    ]
    assert plan[1]["reason"] == "Fortbildung"
    assert plan[0]["office"] == "buergerbuero" and plan[0]["reference"]
    assert plan[0]["official"]["id"] == world["a"].officials[0].pk
    assert plan[2]["host_url"] is None  # no meeting opened yet


def test_admins_see_every_office_and_can_filter(tenant_a, world):
    day = world["day"]
    client = admin_client(tenant_a)
    everything = client.get(f"/api/staff/appointments/?date={day}").json()
    assert [e["name"] for e in everything if e["kind"] == "appointment"] == [
        "Früh",
        "Standesamt-Bürger",
        "Video-Bürger",
    ]
    only_b = client.get(f"/api/staff/appointments/?date={day}&office=standesamt").json()
    assert [e["name"] for e in only_b] == ["Standesamt-Bürger"]


def test_day_plan_needs_staff_and_a_valid_date(tenant_a, world):
    assert tenant_a.client().get("/api/staff/appointments/").status_code in (401, 403)
    bad = staff_client(tenant_a, world["a"]).get("/api/staff/appointments/?date=morgen")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_date"


def test_day_plan_is_per_municipality(tenant_a, tenant_b, world):
    token_a = api_token(tenant_a.client(), world["a"].officials[0].user.email, STAFF_PW)
    on_b = tenant_b.client(HTTP_AUTHORIZATION=f"Token {token_a}")
    assert on_b.get(f"/api/staff/appointments/?date={world['day']}").status_code in (401, 403)
    assert admin_client(tenant_b).get(f"/api/staff/appointments/?date={world['day']}").json() == []


def test_day_plan_page_lists_the_day_for_logged_in_staff(tenant_a, world):
    client = tenant_a.client()
    assert client.get("/staff/appointments/").status_code == 302  # to the login
    client.force_login(world["a"].officials[0].user)
    response = client.get(f"/staff/appointments/?date={world['day']}")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Früh") < html.index("Video-Bürger")
    assert "Fortbildung" in html and "Standesamt-Bürger" not in html and "Abgesagt" not in html


# --- blocked time -----------------------------------------------------------------------------


def test_admin_blocks_time_and_it_disappears_from_the_slots(tenant_a, world):
    day, official = world["day"], world["a"].officials[0]
    response = post_json(
        admin_client(tenant_a),
        "/api/admin/blocks/",
        {
            "official": official.pk,
            "start": local(day, 11).isoformat(),
            "end": local(day, 12).isoformat(),
            "reason": "Teambesprechung",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["office"] == "buergerbuero"
    slots = (
        tenant_a.client()
        .get(f"/api/offices/buergerbuero/slots/?from={day}&to={day}&service=ausweis&mode=in_person")
        .json()
    )
    assert not [s for s in slots if s["start"][11:16] >= "10:30"]
    with tenant_a.schema():
        block = Appointment.objects.get(kind="block", note="Teambesprechung")
        assert AuditLog.objects.filter(action="appointment.block", object_id=str(block.pk)).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"start": "10:00", "end": "11:00"}, 409, "block_overlaps"),  # the video appointment
        ({"start": "11:00", "end": "10:00"}, 400, "end_not_after_start"),
        ({"official": 999999}, 400, "unknown_official"),
        ({"start": "garbage"}, 400, "invalid"),
    ],
)
def test_bad_blocks_are_refused(tenant_a, world, body, status, code):
    day = world["day"]
    data = {
        "official": world["a"].officials[0].pk,
        "start": "11:00",
        "end": "12:00",
        "reason": "x",
        **body,
    }
    for key in ("start", "end"):
        if data[key] and data[key][0].isdigit() and len(data[key]) == 5:
            hh, mm = map(int, data[key].split(":"))
            data[key] = local(day, hh, mm).isoformat()
    response = post_json(admin_client(tenant_a), "/api/admin/blocks/", data)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def test_only_admins_block_time(tenant_a, world):
    response = post_json(
        staff_client(tenant_a, world["a"]),
        "/api/admin/blocks/",
        {
            "official": world["a"].officials[0].pk,
            "start": local(world["day"], 11).isoformat(),
            "end": local(world["day"], 12).isoformat(),
        },
    )
    assert response.status_code == 403


# --- admin cancel with a message --------------------------------------------------------------


def test_admin_cancels_with_a_message_to_the_citizen(
    tenant_a, world, django_capture_on_commit_callbacks
):
    day = world["day"]
    booked = post_json(
        tenant_a.client(),
        "/api/appointments/",
        booking_body(world["a"], local(day, 11, 30), email="max@example.org"),
    )
    assert booked.status_code == 201, booked.content
    booked = booked.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            admin_client(tenant_a),
            f"/api/admin/appointments/{booked['reference']}/cancel/",
            {"message": "Das Amt ist wegen Krankheit geschlossen."},
        )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    [message] = mail.outbox
    assert "wegen Krankheit geschlossen" in message.body
    assert str(ics_of(message)["METHOD"]) == "CANCEL"
    with tenant_a.schema():
        entry = AuditLog.objects.get(action="appointment.cancel")
        assert entry.actor.email == tenant_a.admin_email
        assert entry.changes["by"] == "staff"


def test_admin_cancel_guards(tenant_a, tenant_b, world):
    with tenant_a.schema():
        reference = Appointment.objects.get(name="Früh").reference
    url = f"/api/admin/appointments/{reference}/cancel/"
    assert post_json(staff_client(tenant_a, world["a"]), url, {}).status_code == 403
    assert (
        post_json(admin_client(tenant_a), "/api/admin/appointments/NOPE/cancel/", {}).status_code
        == 404
    )
    assert post_json(admin_client(tenant_b), url, {}).status_code == 404
    too_long = post_json(admin_client(tenant_a), url, {"message": "x" * 501})
    assert too_long.status_code == 400


# --- no-show ----------------------------------------------------------------------------------


def test_no_show_only_after_the_start_and_only_by_the_offices_staff(tenant_a, tenant_b, world):
    with tenant_a.schema():
        past = row(
            world["a"],
            timezone.now() - timedelta(minutes=20),
            ref="PAST0001",
            official=make_official(world["a"].office),
        )
        future = Appointment.objects.get(name="Früh")
    client = staff_client(tenant_a, world["a"])
    early = client.post(f"/api/staff/appointments/{future.reference}/no-show/")
    assert early.status_code == 409 and early.json()["code"] == "not_started"
    other_office = staff_client(tenant_a, world["b"])
    denied = other_office.post(f"/api/staff/appointments/{past.reference}/no-show/")
    assert denied.status_code == 403
    assert (
        admin_client(tenant_b)
        .post(f"/api/staff/appointments/{past.reference}/no-show/")
        .status_code
        == 404
    )
    done = client.post(f"/api/staff/appointments/{past.reference}/no-show/")
    assert done.status_code == 200 and done.json()["status"] == "no_show"
    with tenant_a.schema():
        assert Appointment.objects.get(pk=past.pk).status == "no_show"
