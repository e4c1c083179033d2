"""Mail never decides the answer to a committed write. Confirmation, change, cancellation
and reminder mails go out through a Celery task that retries a failing mail server with
exponential backoff; a mail that finally fails is recorded and the staff's day plan says the
citizen was not reached. The mail server is faked only at the network edge: Django's real
SMTP backend against a loopback port nobody listens on, or a backend raising what smtplib
raises."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from scheduling.appointments.models import Appointment, AppointmentMail
from scheduling.appointments.services import appointment_reminders_send
from scheduling.appointments.tasks import mail_retry_countdown
from tests.conftest import celery_broker, celery_worker
from tests.scheduling.appointments.mail_backends import FlakyBackend
from tests.scheduling.appointments.test_booking_api import book
from tests.scheduling.appointments.test_booking_staff import admin_client, staff_client
from tests.scheduling.appointments.test_booking_support import (
    booking_setup,
    local,
    post_json,
    working_day,
)

RETRIES = 3


@pytest.fixture
def closed_port():
    """A loopback port that refuses connections: bound (nobody else gets it), never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def mail_server_down(settings, closed_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 5
    settings.BOOKING_MAIL_MAX_RETRIES = RETRIES
    return closed_port


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup()


@pytest.fixture
def day():
    return working_day(7)


def the_mail(**filters) -> AppointmentMail:
    return AppointmentMail.objects.get(**filters)


# --- the answer to the citizen ----------------------------------------------------------------


@pytest.mark.committing
def test_a_booking_is_answered_201_with_its_manage_link_when_the_mail_server_is_down(
    committed_tenant, mail_server_down
):
    ctx = committed_tenant
    with ctx.schema():
        setup = booking_setup()
    response = book(ctx, setup, local(working_day(7), 9))
    assert response.status_code == 201, response.content
    booked = response.json()
    assert booked["reference"] and booked["manage_token"] and booked["manage_url"]
    manage = ctx.client().get(
        f"/api/appointments/{booked['reference']}/?token={booked['manage_token']}"
    )
    assert manage.status_code == 200 and manage.json()["status"] == "booked"
    with ctx.schema():
        [appointment] = Appointment.objects.all()  # the mail's retries booked nothing
        record = the_mail()
    assert record.appointment_id == appointment.pk
    assert (record.kind, record.status, record.attempts) == ("confirmation", "failed", 1 + RETRIES)
    assert record.error == "ConnectionRefusedError" and record.finished_at is not None
    assert mail.outbox == []


@pytest.mark.committing
def test_the_booking_page_confirms_a_booking_when_the_mail_server_is_down(
    committed_tenant, mail_server_down
):
    ctx = committed_tenant
    with ctx.schema():
        booking_setup()
    start = local(working_day(7), 9)
    response = ctx.client().post(
        "/offices/buergerbuero/book/",
        {
            "service": "ausweis",
            "mode": "in_person",
            "start": start.isoformat(),
            "name": "Erika",
            "email": "erika@example.org",
        },
    )
    assert response.status_code == 302, response.content
    assert ctx.client().get(response["Location"]).status_code == 200
    with ctx.schema():
        assert Appointment.objects.count() == 1
        assert the_mail().status == "failed"


@pytest.mark.committing
def test_a_booking_is_answered_201_when_the_mail_task_cannot_even_be_queued(
    committed_tenant, closed_port
):
    ctx = committed_tenant
    with ctx.schema():
        setup = booking_setup()
    with celery_broker(f"redis://127.0.0.1:{closed_port}/0"):
        response = book(ctx, setup, local(working_day(7), 9))
    assert response.status_code == 201, response.content
    with ctx.schema():
        record = the_mail()
    assert (record.status, record.attempts) == ("failed", 0)
    assert record.error == "OperationalError"


# --- retries ----------------------------------------------------------------------------------


def test_a_mail_server_that_recovers_gets_the_mail_on_a_retry(
    tenant_a, setup_a, day, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.scheduling.appointments.mail_backends.FlakyBackend"
    FlakyBackend.failures = 2
    response = book(tenant_a, setup_a, local(day, 9), django_capture_on_commit_callbacks)
    assert response.status_code == 201
    with tenant_a.schema():
        record = the_mail()
        assert Appointment.objects.count() == 1
    assert (record.status, record.attempts, record.error) == ("sent", 3, "")
    [message] = mail.outbox
    assert response.json()["manage_token"] in message.body  # the token survived the retries


def test_a_recipient_refused_for_good_is_not_retried(
    tenant_a, setup_a, day, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.scheduling.appointments.mail_backends.RecipientRefusingBackend"
    response = book(tenant_a, setup_a, local(day, 9), django_capture_on_commit_callbacks)
    assert response.status_code == 201
    with tenant_a.schema():
        record = the_mail()
    assert (record.status, record.attempts) == ("failed", 1)
    assert record.error == "SMTPRecipientsRefused 550"  # no address in the record


def test_retries_back_off_exponentially(settings):
    settings.BOOKING_MAIL_RETRY_SECONDS = 60
    for retries in range(5):
        delays = [mail_retry_countdown(retries) for _ in range(20)]
        base = 60 * 2**retries
        assert all(0.8 * base <= d <= 1.2 * base for d in delays)


@pytest.mark.committing
def test_a_real_worker_retries_the_mail_in_the_municipalitys_schema(
    committed_tenant, mail_server_down, settings
):
    settings.BOOKING_MAIL_RETRY_SECONDS = 0.05
    ctx = committed_tenant
    with ctx.schema():
        setup = booking_setup()
    with celery_worker():
        response = book(ctx, setup, local(working_day(7), 9))
        assert response.status_code == 201
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with ctx.schema():
                record = the_mail()
            if record.status != "pending":
                break
            time.sleep(0.1)
        connection.set_schema_to_public()
    assert (record.status, record.attempts) == ("failed", 1 + RETRIES)
    with ctx.schema():
        assert Appointment.objects.count() == 1


# --- every kind of mail, and what staff see ---------------------------------------------------


def test_staff_see_in_the_day_plan_that_the_citizen_was_not_reached(
    tenant_a, tenant_b, setup_a, day, settings, django_capture_on_commit_callbacks, closed_port
):
    reached = book(tenant_a, setup_a, local(day, 8), django_capture_on_commit_callbacks)
    assert reached.status_code == 201
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    settings.BOOKING_MAIL_MAX_RETRIES = 1
    lost = book(
        tenant_a,
        setup_a,
        local(day, 9),
        django_capture_on_commit_callbacks,
        email="max@example.org",
        name="Max Nichterreicht",
        phone="+49 9471 5555",
    )
    assert lost.status_code == 201
    plan = staff_client(tenant_a, setup_a).get(f"/api/staff/appointments/?date={day}").json()
    assert [(e["label"], e["mail_failed"]) for e in plan] == [
        (reached.json()["reference"], None),
        (lost.json()["reference"], "confirmation"),
    ]
    assert admin_client(tenant_b).get(f"/api/staff/appointments/?date={day}").json() == []

    page = tenant_a.client()
    with tenant_a.schema():
        page.force_login(setup_a.officials[0].user)
    html = page.get(f"/staff/appointments/?date={day}").content.decode()
    row = html[html.index("Max Nichterreicht") :]
    row = row[: row.index("</tr>")]
    assert "Nicht erreicht" in row and "Bestätigung" in row and "+49 9471 5555" in row
    assert "Nicht erreicht" not in html[: html.index("Max Nichterreicht")]


def test_an_admins_cancellation_that_does_not_reach_the_citizen_stays_in_the_day_plan(
    tenant_a, setup_a, day, mail_server_down, django_capture_on_commit_callbacks
):
    booked = book(tenant_a, setup_a, local(day, 9), django_capture_on_commit_callbacks)
    reference = booked.json()["reference"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            admin_client(tenant_a),
            f"/api/admin/appointments/{reference}/cancel/",
            {"message": "Das Amt ist wegen Krankheit geschlossen."},
        )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    with tenant_a.schema():
        record = the_mail(kind="cancellation")
    assert (record.status, record.attempts) == ("failed", 1 + RETRIES)
    plan = admin_client(tenant_a).get(f"/api/staff/appointments/?date={day}").json()
    assert [(e["label"], e["status"], e["mail_failed"]) for e in plan] == [
        (reference, "cancelled", "cancellation")
    ]


def test_a_citizens_cancellation_and_reschedule_answer_when_the_mail_server_is_down(
    tenant_a, setup_a, day, mail_server_down, django_capture_on_commit_callbacks
):
    booked = book(tenant_a, setup_a, local(day, 9), django_capture_on_commit_callbacks).json()
    reference, token = booked["reference"], booked["manage_token"]
    client = tenant_a.client()
    with django_capture_on_commit_callbacks(execute=True):
        moved = post_json(
            client,
            f"/api/appointments/{reference}/reschedule/",
            {"token": token, "start": local(day, 10).isoformat()},
        )
    assert moved.status_code == 200, moved.content
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post_json(client, f"/api/appointments/{reference}/cancel/", {"token": token})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with tenant_a.schema():
        current = Appointment.objects.get(reference=reference)
        kinds = list(current.mails.values_list("kind", "status", "attempts"))
    assert kinds == [
        ("rescheduled", "failed", 1 + RETRIES),
        ("cancellation", "failed", 1 + RETRIES),
    ]


def test_a_reminder_that_fails_is_recorded_and_not_sent_again(
    tenant_a, setup_a, mail_server_down, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with tenant_a.schema():
        start = (now + timedelta(hours=20)).replace(microsecond=0)
        row = Appointment.objects.create(
            reference="REMIND01",
            office=setup_a.office,
            service=setup_a.service,
            official=setup_a.officials[0],
            start=start,
            end=start + timedelta(minutes=30),
            blocked_until=start + timedelta(minutes=35),
            name="Erika",
            email="erika@example.org",
        )
        Appointment.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=3))
        with django_capture_on_commit_callbacks(execute=True):
            assert appointment_reminders_send(now=now) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert appointment_reminders_send(now=now) == 0
        [record] = AppointmentMail.objects.filter(appointment=row)
    assert (record.kind, record.status, record.attempts) == ("reminder", "failed", 1 + RETRIES)
