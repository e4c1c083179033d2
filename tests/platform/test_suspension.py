"""A suspended municipality: every door is closed with a 503 that names the suspension (German
by default, English on request) — citizen pages, the whole tenant API including the token
endpoint, /admin/, /staff/, video rooms and signalling, its Webex webhooks and its Celery
work — except what the vendor leaves open (health, static files, the language switch).
A municipality whose payment is overdue (`past_due`) keeps working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from offices.models import Office
from platform_core.middleware import SUSPENDED_OPEN_PREFIXES
from platform_core.models import User
from scheduling.queue.models import Ticket
from scheduling.queue.tasks import expire_no_shows, purge_personal_data
from tenants.services import municipality_update
from tests.conftest import PASSWORD, api_token
from tests.offices.factories import make_office, make_official
from tests.platform.url_samples import PUBLIC_PATHS, TENANT_PATHS
from tests.videoconf.video_helpers import make_ticket
from videoconf.services import video_session_open

CLOSED_PATHS = [p for p in TENANT_PATHS if not p.startswith(SUSPENDED_OPEN_PREFIXES)]


def _set_status(ctx, status: str) -> None:
    connection.set_schema_to_public()
    municipality_update(municipality=ctx.tenant, acting_user=None, status=status)


@pytest.fixture
def suspended_a(tenant_a):
    _set_status(tenant_a, "suspended")
    return tenant_a


def _is_suspension_notice(response, *, english: bool = False) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:200])
    word = "suspended" if english else "gesperrt"
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert body["code"] == "municipality_suspended"
        assert word in body["detail"] and "Stadt Alpha" in body["detail"]
    else:
        page = response.content.decode()
        assert word in page and "Stadt Alpha" in page


def test_the_closed_doors_include_every_kind():
    for door in ("/", "/api/auth/token/", "/admin/", "/staff/", "/video/x/signal/", "/api/docs/"):
        assert door in CLOSED_PATHS


@pytest.mark.parametrize("path", CLOSED_PATHS)
def test_every_door_of_a_suspended_municipality_answers_503(suspended_a, path):
    client = suspended_a.client()
    _is_suspension_notice(client.get(path))
    _is_suspension_notice(client.post(path, {}, content_type="application/json"))


@pytest.mark.parametrize("path", ["/", "/api/offices/", "/admin/", "/api/admin/offices/"])
def test_the_notice_is_english_on_request(suspended_a, path):
    response = suspended_a.client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    _is_suspension_notice(response, english=True)


def test_staff_and_citizens_get_their_own_notice(suspended_a):
    citizen = suspended_a.client().get("/api/offices/").json()["detail"]
    staff = suspended_a.client().get("/api/admin/offices/").json()["detail"]
    assert "Verwaltung" in citizen and "Plattformbetreiber" in staff


def test_credentials_from_before_the_suspension_open_nothing(tenant_a):
    """The defect: an admin edited an office while the municipality was suspended."""
    with tenant_a.schema():
        office = make_office("amt", name="Bürgeramt")
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    browser = tenant_a.client()
    with tenant_a.schema():
        assert browser.login(username=tenant_a.admin_email, password=PASSWORD)
    _set_status(tenant_a, "suspended")

    api = tenant_a.client(HTTP_AUTHORIZATION=f"Token {token}")
    _is_suspension_notice(
        api.patch("/api/admin/offices/amt/", {"name": "X"}, content_type="application/json")
    )
    _is_suspension_notice(api.delete("/api/admin/offices/amt/"))
    _is_suspension_notice(browser.get("/admin/offices/office/"))
    _is_suspension_notice(
        browser.post(f"/admin/offices/office/{office.pk}/change/", {"name": "Y", "slug": "amt"})
    )
    _is_suspension_notice(browser.get("/staff/"))
    _is_suspension_notice(
        tenant_a.client().post(
            "/api/auth/token/",
            {"email": tenant_a.admin_email, "password": PASSWORD},
            content_type="application/json",
        )
    )
    with tenant_a.schema():
        assert Office.objects.get(pk=office.pk).name == "Bürgeramt"


def test_video_rooms_and_signalling_are_closed(tenant_a):
    with tenant_a.schema():
        official = make_official(make_office("amt"))
        session = video_session_open(
            host=official.user, title="Videoberatung", subject_kind="", subject_id=None
        )
    _set_status(tenant_a, "suspended")
    client = tenant_a.client()
    for key in (session.guest_key, session.host_key):
        _is_suspension_notice(client.get(f"/video/{key}/"))
        _is_suspension_notice(client.get(f"/video/{key}/signal/"))
        _is_suspension_notice(
            client.post(f"/video/{key}/signal/", {"type": "hello"}, content_type="application/json")
        )


def test_webex_webhooks_of_a_suspended_municipality_are_refused(tenant_a, tenant_b, public_client):
    _set_status(tenant_a, "suspended")
    response = public_client.post(
        f"/webhooks/webex/{tenant_a.slug}/", {"data": {}}, content_type="application/json"
    )
    _is_suspension_notice(response)
    # Another municipality's webhook is not affected (it has no Webex: 404, not 503).
    other = public_client.post(
        f"/webhooks/webex/{tenant_b.slug}/", {"data": {}}, content_type="application/json"
    )
    assert other.status_code == 404


def test_what_stays_open(suspended_a):
    client = suspended_a.client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/site.css").status_code == 200
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    _is_suspension_notice(client.get("/"), english=True)


def test_other_municipalities_and_the_vendor_host_keep_working(suspended_a, tenant_b, db):
    from django.test import Client

    assert tenant_b.client().get("/").status_code == 200
    assert tenant_b.client().get("/api/offices/").status_code == 200
    assert Client(HTTP_HOST="localhost").get("/").status_code == 200
    assert "/platform/" in PUBLIC_PATHS


def test_past_due_keeps_working(tenant_a):
    with tenant_a.schema():
        make_office("amt")
    _set_status(tenant_a, "past_due")
    assert tenant_a.client().get("/").status_code == 200
    assert tenant_a.client().get("/offices/amt/").status_code == 200
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    api = tenant_a.client(HTTP_AUTHORIZATION=f"Token {token}")
    changed = api.patch("/api/admin/offices/amt/", {"name": "Neu"}, content_type="application/json")
    assert changed.status_code == 200


def test_celery_work_stops_in_a_suspended_municipality(tenant_a):
    with tenant_a.schema():
        office = make_office("amt")
        ticket = make_ticket(office, status="called")
        Ticket.objects.filter(pk=ticket.pk).update(called_at=timezone.now() - timedelta(hours=1))
    _set_status(tenant_a, "suspended")
    with tenant_a.schema():
        assert expire_no_shows.apply().get() is None  # skipped
        assert Ticket.objects.get(pk=ticket.pk).status == "called"
        # Deleting personal data past retention is a legal duty: it goes on.
        assert purge_personal_data.apply().get() == {"tickets": 0, "appointments": 0}
    _set_status(tenant_a, "active")
    with tenant_a.schema():
        assert expire_no_shows.apply().get() == 1
        assert Ticket.objects.get(pk=ticket.pk).status == "no_show"


def test_celery_work_of_other_municipalities_goes_on(tenant_a, tenant_b):
    with tenant_b.schema():
        ticket = make_ticket(make_office("amt"), status="called")
        Ticket.objects.filter(pk=ticket.pk).update(called_at=timezone.now() - timedelta(hours=1))
    _set_status(tenant_a, "suspended")
    with tenant_b.schema():
        assert expire_no_shows.apply().get() == 1


def test_suspension_leaves_accounts_intact(suspended_a):
    with suspended_a.schema():
        assert User.objects.get(email=suspended_a.admin_email).is_active
