"""Municipal administration of offices, hours, closures, services and staff: validation,
audit trail, and the tenant boundary."""

from __future__ import annotations

import pytest

from offices.models import Office
from platform_core.models import AuditLog
from tests.conftest import api_token
from tests.offices.factories import make_office


@pytest.fixture
def admin_a(tenant_a):
    client = tenant_a.client()
    client.defaults["HTTP_AUTHORIZATION"] = (
        f"Token {api_token(tenant_a.client(), tenant_a.admin_email)}"
    )
    return client


@pytest.fixture
def admin_b(tenant_b):
    client = tenant_b.client()
    client.defaults["HTTP_AUTHORIZATION"] = (
        f"Token {api_token(tenant_b.client(), tenant_b.admin_email)}"
    )
    return client


def test_admin_creates_and_changes_an_office_and_it_is_audited(tenant_a, admin_a):
    created = admin_a.post(
        "/api/admin/offices/",
        {
            "slug": "standesamt",
            "name": "Standesamt",
            "waiting_room_capacity": 5,
            "video_enabled": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["booking_horizon_days"] == 90
    changed = admin_a.patch(
        "/api/admin/offices/standesamt/", {"min_lead_minutes": 120}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["min_lead_minutes"] == 120
    with tenant_a.schema():
        log = AuditLog.objects.filter(object_type="offices.office").order_by("created_at")
        assert [entry.action for entry in log] == ["office.create", "office.update"]
        assert log.last().changes == {"min_lead_minutes": [60, 120]}
        assert log.last().actor_label == tenant_a.admin_email
    listed = tenant_a.client().get("/api/offices/").json()
    assert [o["slug"] for o in listed] == ["standesamt"]


def test_duplicate_office_slug_is_a_field_error(tenant_a, admin_a):
    with tenant_a.schema():
        make_office("rente")
    response = admin_a.post(
        "/api/admin/offices/", {"slug": "rente", "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


@pytest.mark.parametrize(
    ("week", "index", "code"),
    [
        (
            [
                {"weekday": 0, "start": "08:00", "end": "12:00"},
                {"weekday": 0, "start": "11:00", "end": "13:00"},
            ],
            "1",
            "window_overlap",
        ),
        ([{"weekday": 1, "start": "12:00", "end": "08:00"}], "0", "window_start_not_before_end"),
        ([{"weekday": 1, "start": "08:00", "end": "08:00"}], "0", "window_start_not_before_end"),
        ([{"weekday": 7, "start": "08:00", "end": "12:00"}], "0", "weekday_out_of_range"),
        ([{"weekday": -1, "start": "08:00", "end": "12:00"}], "0", "weekday_out_of_range"),
    ],
)
def test_opening_hours_validation(tenant_a, admin_a, week, index, code):
    with tenant_a.schema():
        make_office("amt")
    response = admin_a.put(
        "/api/admin/offices/amt/opening-hours/", week, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert index in body["errors"]


def test_opening_hours_put_replaces_the_whole_week(tenant_a, admin_a):
    with tenant_a.schema():
        make_office("amt")
    week = [
        {"weekday": 2, "start": "09:00", "end": "11:30"},
        {"weekday": 2, "start": "13:00", "end": "15:00"},
    ]
    response = admin_a.put(
        "/api/admin/offices/amt/opening-hours/", week, content_type="application/json"
    )
    assert response.status_code == 200
    assert admin_a.get("/api/admin/offices/amt/opening-hours/").json() == week
    bad = admin_a.put(
        "/api/admin/offices/amt/opening-hours/", [{"weekday": "x"}], content_type="application/json"
    )
    assert bad.status_code == 400
    assert admin_a.get("/api/admin/offices/amt/opening-hours/").json() == week  # nothing lost


def test_closure_end_before_start_is_refused(tenant_a, admin_a):
    with tenant_a.schema():
        make_office("amt")
    response = admin_a.post(
        "/api/admin/offices/amt/closures/",
        {"start_date": "2027-05-10", "end_date": "2027-05-09", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "closure_end_before_start"
    ok = admin_a.post(
        "/api/admin/offices/amt/closures/",
        {"start_date": "2027-05-10", "end_date": "2027-05-12", "reason": "Umzug"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    closure_id = ok.json()["id"]
    assert admin_a.delete(f"/api/admin/offices/amt/closures/{closure_id}/").status_code == 204


def test_services_crud_and_mode_validation(tenant_a, admin_a):
    with tenant_a.schema():
        make_office("amt")
    created = admin_a.post(
        "/api/admin/services/",
        {
            "office": "amt",
            "slug": "pass",
            "name": "Reisepass",
            "duration_minutes": 20,
            "modes": ["in_person"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["modes"] == ["in_person"]
    no_mode = admin_a.post(
        "/api/admin/services/",
        {"office": "amt", "slug": "x", "name": "X", "modes": []},
        content_type="application/json",
    )
    assert no_mode.status_code == 400
    detail = tenant_a.client().get("/api/offices/amt/").json()
    assert detail["services"][0]["modes"] == ["in_person"]
    assert detail["services"][0]["duration_minutes"] == 20


def test_staff_created_by_admin_gets_a_set_password_mail(
    tenant_a, admin_a, django_capture_on_commit_callbacks, mailoutbox
):
    with tenant_a.schema():
        make_office("amt")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_a.post(
            "/api/admin/staff/",
            {"email": "neu@alpha.de", "offices": ["amt"]},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["offices"] == ["amt"]
    assert len(mailoutbox) == 1 and "set-password" in mailoutbox[0].body


def test_one_municipalitys_admin_can_neither_see_nor_change_anothers_offices(
    tenant_a, tenant_b, admin_a, admin_b
):
    with tenant_a.schema():
        make_office("geheim")
    assert admin_b.get("/api/admin/offices/").json() == []
    assert admin_b.get("/api/admin/offices/geheim/").status_code == 404
    assert (
        admin_b.patch(
            "/api/admin/offices/geheim/", {"name": "X"}, content_type="application/json"
        ).status_code
        == 404
    )
    # A's token on B's host is not even authenticated.
    token_a = admin_a.defaults["HTTP_AUTHORIZATION"]
    assert (
        tenant_b.client().get("/api/admin/offices/", HTTP_AUTHORIZATION=token_a).status_code == 401
    )
    with tenant_a.schema():
        assert Office.objects.get(slug="geheim").name == "Geheim"


def test_staff_and_anonymous_users_cannot_administer(tenant_a):
    from tests.offices.factories import make_official

    with tenant_a.schema():
        office = make_office("amt")
        make_official(office, email="sb@alpha.de")
    staff_token = api_token(tenant_a.client(), "sb@alpha.de", "pw-123456")
    client = tenant_a.client()
    assert client.get("/api/admin/offices/").status_code == 401
    assert (
        client.get("/api/admin/offices/", HTTP_AUTHORIZATION=f"Token {staff_token}").status_code
        == 403
    )


def test_staff_sets_presence_through_the_api(tenant_a):
    from tests.offices.factories import make_official

    with tenant_a.schema():
        office = make_office("amt")
        make_official(office, email="sb@alpha.de")
    token = api_token(tenant_a.client(), "sb@alpha.de", "pw-123456")
    response = tenant_a.client().put(
        "/api/staff/me/presence/",
        {"status": "available", "mode": "video"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    assert response.json() == {"status": "available", "mode": "video"}
    bad = tenant_a.client().put(
        "/api/staff/me/presence/",
        {"status": "asleep"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert bad.status_code == 400


def test_office_pages_render_in_german_with_status(tenant_a):
    with tenant_a.schema():
        office = make_office("buergerbuero", name="Bürgerbüro", description="Ausweise")
        from tests.offices.factories import make_service

        make_service(office, "pass", name="Reisepass", what_to_bring="Passfoto")
    overview = tenant_a.client().get("/")
    assert overview.status_code == 200
    html = overview.content.decode()
    assert 'lang="de"' in html and "Bürgerbüro" in html
    detail = tenant_a.client().get("/offices/buergerbuero/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Reisepass" in html and "Passfoto" in html and "Öffnungszeiten" in html
    assert tenant_a.client().get("/offices/nope/").status_code == 404


def test_django_admin_pages_work_for_the_municipal_admin(tenant_a):
    from tests.conftest import PASSWORD

    client = tenant_a.client()
    assert (
        client.post(
            "/account/login/", {"username": tenant_a.admin_email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/offices/office/add/").status_code == 200
    response = client.post(
        "/admin/offices/office/add/",
        {
            "slug": "neu",
            "name": "Neues Amt",
            "waiting_room_capacity": 10,
            "booking_horizon_days": 90,
            "min_lead_minutes": 60,
            "order": 0,
            "languages": "[]",
            "opening_windows-TOTAL_FORMS": 0,
            "opening_windows-INITIAL_FORMS": 0,
            "closures-TOTAL_FORMS": 0,
            "closures-INITIAL_FORMS": 0,
            "services-TOTAL_FORMS": 0,
            "services-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_a.schema():
        assert AuditLog.objects.filter(
            action="office.create", actor_label=tenant_a.admin_email
        ).exists()
