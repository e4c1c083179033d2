"""Configuration changes take effect on the next request: nothing cached from the office's
configuration (the citizen office list, the waiting room's office facts) outlives a write -
through the admin API and services, or through the Django admin, which writes around them."""

from __future__ import annotations

import threading
from datetime import date, time

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.utils import timezone

from offices import cache as config_cache
from offices.models import Closure, LocalHoliday, Office, OpeningWindow, StaffMember
from offices.services import opening_hours_replace
from platform_core.models import User
from scheduling.queue.selectors import office_facts
from tests.conftest import PASSWORD, api_token
from tests.scheduling.queue.queue_support import (
    ALL_DAY,
    OFFICIAL_PASSWORD,
    make_setup,
)

SLUG = "buergerbuero"


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a, slug=SLUG)


def _today() -> date:
    return timezone.localdate()


def join(client):
    return client.post(f"/api/offices/{SLUG}/queue/", {}, content_type="application/json")


def listed(client) -> dict:
    return next(o for o in client.get("/api/offices/").json() if o["slug"] == SLUG)


def warm(setup) -> str:
    """A citizen waits (the waiting room's facts are cached) and the office list is cached."""
    client = setup.client()
    response = join(client)
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert client.get(f"/api/queue/{token}/").json()["estimated_wait_minutes"] is not None
    office = listed(client)
    assert office["status"] == "open" and office["availability"] == "free"
    return token


def admin_api(ctx):
    client = ctx.client()
    token = api_token(client, ctx.admin_email)
    return ctx.client(HTTP_AUTHORIZATION=f"Token {token}")


def closed_now(setup, token) -> None:
    client = setup.client()
    refused = join(client)
    assert refused.status_code == 409 and refused.json()["code"] == "office_closed"
    office = listed(client)
    assert office["status"] == "closed" and office["estimated_wait_minutes"] is None
    assert client.get(f"/api/queue/{token}/").json()["office_status"] == "closed"


def nobody_serving_now(setup, token) -> None:
    client = setup.client()
    assert client.get(f"/api/queue/{token}/").json()["estimated_wait_minutes"] is None
    office = listed(client)
    assert (office["status"], office["availability"]) == ("busy", "nobody_serving")
    assert office["estimated_wait_minutes"] is None


# --- through the admin API and the services ---------------------------------------------------


def _hours(setup, api):
    return api.put(f"/api/admin/offices/{SLUG}/opening-hours/", [], content_type="application/json")


def _closure(setup, api):
    day = _today().isoformat()
    return api.post(
        f"/api/admin/offices/{SLUG}/closures/",
        {"start_date": day, "end_date": day, "reason": "Betriebsausflug"},
        content_type="application/json",
    )


def _holiday(setup, api):
    return api.post(
        "/api/admin/holidays/",
        {"date": _today().isoformat(), "name": "Stadtfest"},
        content_type="application/json",
    )


def _membership(setup, api):
    return api.patch(
        f"/api/admin/staff/{setup.official.pk}/", {"offices": []}, content_type="application/json"
    )


def _deactivation(setup, api):
    return api.delete(f"/api/admin/staff/{setup.official.pk}/")


def _presence(setup, api):
    token = api_token(setup.ctx.client(), setup.email, OFFICIAL_PASSWORD)
    return setup.ctx.client(HTTP_AUTHORIZATION=f"Token {token}").put(
        "/api/staff/me/presence/", {"status": "away"}, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("write", "effect"),
    [
        pytest.param(_hours, closed_now, id="opening-hours"),
        pytest.param(_closure, closed_now, id="closure"),
        pytest.param(_holiday, closed_now, id="local-holiday"),
        pytest.param(_membership, nobody_serving_now, id="staff-membership"),
        pytest.param(_deactivation, nobody_serving_now, id="staff-deactivation"),
        pytest.param(_presence, nobody_serving_now, id="presence"),
    ],
)
def test_a_configuration_write_through_the_api_takes_effect_on_the_next_request(
    setup, write, effect
):
    token = warm(setup)
    response = write(setup, admin_api(setup.ctx))
    assert response.status_code < 300, response.content
    effect(setup, token)


def test_capacity_and_video_changes_show_in_the_office_list_at_once(setup):
    warm(setup)
    api, client = admin_api(setup.ctx), setup.client()
    api.patch(
        f"/api/admin/offices/{SLUG}/", {"waiting_room_capacity": 1}, content_type="application/json"
    )
    office = listed(client)
    assert office["waiting_room_capacity"] == 1 and office["waiting_room_full"] is True
    assert office["estimated_wait_minutes"] is None
    api.patch(
        f"/api/admin/offices/{SLUG}/", {"video_enabled": False}, content_type="application/json"
    )
    office = listed(client)
    assert office["video_enabled"] is False and office["availability"] == "no_video"


def test_a_role_change_starts_a_new_configuration_generation(setup):
    api = admin_api(setup.ctx)
    with setup.ctx.schema():
        _, before = config_cache.read([])
    response = api.patch(
        f"/api/admin/staff/{setup.official.pk}/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    with setup.ctx.schema():
        _, after = config_cache.read([])
    assert after != before


# --- through the Django admin ----------------------------------------------------------------


def admin_site(ctx):
    client = ctx.client()
    with ctx.schema():  # the account and its session live in the municipality's schema
        assert client.login(username=ctx.admin_email, password=PASSWORD)
    return client


def form_data(response) -> dict:
    """What a browser posts back for an admin change page: every field of the form and of
    its inline forms with its current value."""
    context = response.context
    forms = [context["adminform"].form]
    data: dict = {}
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = value
    return data


def change(client, url: str, **changes):
    page = client.get(url)
    assert page.status_code == 200, url
    data = form_data(page)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _admin_hours(setup, client):
    url = f"/admin/offices/office/{setup.office.pk}/change/"
    deletions = {f"opening_windows-{i}-DELETE": "on" for i in range(len(ALL_DAY))}
    change(client, url, **deletions)


def _admin_closure(setup, client):
    url = f"/admin/offices/office/{setup.office.pk}/change/"
    page = client.get(url)
    data = form_data(page)
    day = _today().isoformat()
    data.update(
        {
            "closures-TOTAL_FORMS": "1",
            "closures-0-start_date": day,
            "closures-0-end_date": day,
            "closures-0-reason": "Wasserschaden",
            "closures-0-office": str(setup.office.pk),
        }
    )
    assert client.post(url, data).status_code == 302


def _admin_holiday(setup, client):
    response = client.post(
        "/admin/offices/localholiday/add/", {"date": _today().isoformat(), "name": "Stadtfest"}
    )
    assert response.status_code == 302


def _admin_membership(setup, client):
    change(client, f"/admin/offices/staffmember/{setup.official.pk}/change/", offices=None)


def _admin_presence(setup, client):
    change(client, f"/admin/offices/staffmember/{setup.official.pk}/change/", presence="away")


def _admin_deactivation(setup, client):
    user_id = setup.official.user_id
    change(client, f"/admin/platform_core/user/{user_id}/change/", is_active=None)


@pytest.mark.parametrize(
    ("write", "effect"),
    [
        pytest.param(_admin_hours, closed_now, id="opening-hours"),
        pytest.param(_admin_closure, closed_now, id="closure"),
        pytest.param(_admin_holiday, closed_now, id="local-holiday"),
        pytest.param(_admin_membership, nobody_serving_now, id="staff-membership"),
        pytest.param(_admin_presence, nobody_serving_now, id="presence"),
        pytest.param(_admin_deactivation, nobody_serving_now, id="staff-deactivation"),
    ],
)
def test_a_configuration_write_in_the_django_admin_takes_effect_on_the_next_request(
    setup, write, effect
):
    token = warm(setup)
    write(setup, admin_site(setup.ctx))
    effect(setup, token)


def test_capacity_and_video_edited_in_the_django_admin_show_at_once(setup):
    warm(setup)
    client, url = admin_site(setup.ctx), f"/admin/offices/office/{setup.office.pk}/change/"
    change(client, url, waiting_room_capacity="1")
    office = listed(setup.client())
    assert office["waiting_room_capacity"] == 1 and office["waiting_room_full"] is True
    change(client, url, video_enabled=None)
    assert listed(setup.client())["availability"] == "no_video"


def test_a_bulk_delete_in_the_django_admin_takes_effect_too(setup):
    with setup.ctx.schema():
        holiday = LocalHoliday.objects.create(date=_today(), name="Stadtfest")
    client = setup.client()
    assert listed(client)["status"] == "closed"  # cached
    response = admin_site(setup.ctx).post(
        "/admin/offices/localholiday/",
        {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert listed(client)["status"] == "open"
    assert join(client).status_code == 201


def test_every_admin_page_of_configuration_data_drops_the_cache():
    """The Django admin writes around the services: each of its pages for data an office's
    status or estimate depends on must announce its writes."""
    for model in (Office, OpeningWindow, Closure, LocalHoliday, StaffMember, User):
        model_admin = admin.site._registry.get(model)
        if model_admin is None:  # edited inline only (opening hours, closures)
            hosts = [
                a
                for a in admin.site._registry.values()
                if any(inline.model is model for inline in a.inlines)
            ]
            assert hosts, f"{model.__name__} is not editable in the admin at all?"
        else:
            hosts = [model_admin]
        for host in hosts:
            assert isinstance(host, config_cache.OfficeConfigAdminMixin), type(host).__name__


# --- across processes: a reader that re-fills the cache before the commit -------------------


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")
def test_facts_refilled_from_before_the_commit_are_not_used_after_it(committed_tenant):
    """Another process may read the office just before the write commits and cache what it
    saw, under the generation the write has just started; the generation started after the
    commit makes that entry unusable."""
    from tests.offices.factories import make_office

    with committed_tenant.schema():
        office = make_office("amt", windows=[(d, time(0), time(23, 59, 59)) for d in range(7)])
        if not office_facts(office_id=office.pk).is_open_at(timezone.now()):
            pytest.skip("today is a public holiday: the office is closed")
        seen: list = []

        def other_process() -> None:  # its own connection: sees only committed data
            try:
                connection.set_tenant(committed_tenant.tenant)
                seen.append(office_facts(office_id=office.pk).is_open_at(timezone.now()))
            finally:
                connection.close()

        with transaction.atomic():
            opening_hours_replace(office=office, windows=[], acting_user=None)
            reader = threading.Thread(target=other_process)
            reader.start()
            reader.join(timeout=30)
        assert seen == [True]  # it cached the office as open, from before the commit
        assert not office_facts(office_id=office.pk).is_open_at(timezone.now())
