"""Deleting what citizens' cases depend on is refused with a 409, a code and a message, and
nothing is deleted: offices with appointments, tickets or officials (API and Django admin),
officials with appointments still to serve. An office's own configuration goes with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from offices.models import Closure, Office, OpeningWindow, Service
from platform_core.models import AuditLog, User
from scheduling.appointments.models import Appointment
from scheduling.queue.models import Ticket
from tests.conftest import PASSWORD, api_token
from tests.offices.factories import make_office, make_official, make_service
from tests.scheduling.queue.queue_support import make_appointment
from tests.videoconf.video_helpers import make_ticket


@pytest.fixture
def admin_a(tenant_a):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    return tenant_a.client(HTTP_AUTHORIZATION=f"Token {token}")


def _office_with_history(kind: str) -> Office:
    office = make_office("amt", name="Bürgeramt")
    make_service(office, "ausweis")
    if kind == "appointments":
        official = make_official(office)
        make_appointment(office=office, official=official, start=timezone.now() - timedelta(days=3))
        official.offices.clear()  # only the (past) appointment is left
    elif kind == "tickets":
        make_ticket(office, status="done")
    else:
        make_official(office)
    return office


@pytest.mark.parametrize("kind", ["appointments", "tickets", "officials"])
def test_an_office_in_use_is_not_deleted_409(tenant_a, admin_a, kind):
    with tenant_a.schema():
        _office_with_history(kind)
        before = (Appointment.objects.count(), Ticket.objects.count(), Service.objects.count())
    response = admin_a.delete("/api/admin/offices/amt/")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "office_in_use"
    assert body["dependents"] == {kind: 1}
    assert "Bürgeramt" in body["detail"] and "gelöscht" in body["detail"]
    with tenant_a.schema():
        assert Office.objects.filter(slug="amt").exists()
        after = (Appointment.objects.count(), Ticket.objects.count(), Service.objects.count())
        assert after == before
        assert not AuditLog.objects.filter(action="office.delete").exists()


def test_an_office_with_only_its_configuration_is_deleted(tenant_a, admin_a):
    with tenant_a.schema():
        office = make_office("amt")
        make_service(office, "ausweis")
        today = timezone.localdate()
        Closure.objects.create(office=office, start_date=today, end_date=today)
    response = admin_a.delete("/api/admin/offices/amt/")
    assert response.status_code == 204
    with tenant_a.schema():
        assert not Office.objects.exists()
        assert not OpeningWindow.objects.exists() and not Closure.objects.exists()
        assert AuditLog.objects.filter(action="office.delete").count() == 1


def test_the_django_admin_refuses_to_delete_an_office_in_use(tenant_a):
    with tenant_a.schema():
        office = _office_with_history("tickets")
    client = tenant_a.client()
    with tenant_a.schema():
        assert client.login(username=tenant_a.admin_email, password=PASSWORD)
    url = f"/admin/offices/office/{office.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Wartenummern (1)" in page.content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    bulk = client.post(
        "/admin/offices/office/",
        {"action": "delete_selected", "_selected_action": [office.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    with tenant_a.schema():
        assert Office.objects.filter(pk=office.pk).exists()
        assert Ticket.objects.filter(office=office).count() == 1


def test_the_django_admin_deletes_an_unused_office_through_the_service(tenant_a):
    with tenant_a.schema():
        office = make_office("amt")
    client = tenant_a.client()
    with tenant_a.schema():
        assert client.login(username=tenant_a.admin_email, password=PASSWORD)
    response = client.post(f"/admin/offices/office/{office.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    with tenant_a.schema():
        assert not Office.objects.filter(pk=office.pk).exists()
        assert AuditLog.objects.filter(action="office.delete").count() == 1


def test_an_official_with_upcoming_appointments_is_not_deactivated(tenant_a, admin_a):
    with tenant_a.schema():
        office = make_office("amt")
        member = make_official(office, email="sachbearbeitung@example.org")
        appointment = make_appointment(
            office=office, official=member, start=timezone.now() + timedelta(days=2)
        )
    response = admin_a.delete(f"/api/admin/staff/{member.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "official_has_appointments"
    assert response.json()["appointments"] == 1
    assert "sachbearbeitung@example.org" in response.json()["detail"]
    with tenant_a.schema():
        assert User.objects.get(pk=member.user_id).is_active

        Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    assert admin_a.delete(f"/api/admin/staff/{member.pk}/").status_code == 204
    with tenant_a.schema():
        assert not User.objects.get(pk=member.user_id).is_active
        assert AuditLog.objects.filter(action="user.deactivate").count() == 1


def test_an_admin_cannot_deactivate_themselves(tenant_a, admin_a):
    with tenant_a.schema():
        me = User.objects.get(email=tenant_a.admin_email)
        member = make_official(make_office("amt"))
        member.user = me
        member.user_id = me.pk
        member.save()
    response = admin_a.delete(f"/api/admin/staff/{member.pk}/")
    assert response.status_code == 400 and response.json()["code"] == "cannot_deactivate_self"


@pytest.mark.parametrize("model", ["service", "staffmember", "user"])
def test_the_django_admin_refuses_to_delete_what_appointments_need(tenant_a, model):
    with tenant_a.schema():
        office = make_office("amt")
        service = make_service(office, "ausweis")
        member = make_official(office)
        make_appointment(
            office=office,
            official=member,
            start=timezone.now() + timedelta(days=2),
            service=service,
        )
        pk = {"service": service.pk, "staffmember": member.pk, "user": member.user_id}[model]
    app = "platform_core" if model == "user" else "offices"
    client = tenant_a.client()
    with tenant_a.schema():
        assert client.login(username=tenant_a.admin_email, password=PASSWORD)
    response = client.post(f"/admin/{app}/{model}/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # the confirmation page naming the protected rows
    with tenant_a.schema():
        assert Appointment.objects.count() == 1
        assert Service.objects.filter(pk=service.pk).exists()
        assert User.objects.filter(pk=member.user_id).exists()
