"""Beat tasks of appointments: the 24-hour reminder (exactly once, even for concurrent runs)
and opening the video meetings of upcoming video appointments."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from scheduling.appointments.models import Appointment
from scheduling.appointments.services import appointment_video_sessions_open
from scheduling.appointments.tasks import (
    open_appointment_video_sessions,
    send_appointment_reminders,
)
from tests.scheduling.appointments.test_booking_support import booking_setup
from tests.videoconf.webex_fake_fixtures import fake_webex  # noqa: F401
from videoconf.models import VideoSession

_refs = iter(range(1, 10_000))


def appointment(
    setup,
    *,
    starts_in: timedelta,
    booked_ago=timedelta(days=3),
    mode="in_person",
    status="booked",
    email="erika@example.org",
    official=None,
    minutes=30,
):
    start = (timezone.now() + starts_in).replace(microsecond=0)
    row = Appointment.objects.create(
        reference=f"R{next(_refs):07d}",
        office=setup.office,
        service=setup.service,
        official=official or setup.officials[0],
        mode=mode,
        status=status,
        start=start,
        end=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes + 5),
        name="Erika",
        email=email,
        language="de",
    )
    Appointment.objects.filter(pk=row.pk).update(created_at=timezone.now() - booked_ago)
    return row


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup(officials=2)


# --- reminders --------------------------------------------------------------------------------


def test_reminders_go_out_once_for_appointments_within_24_hours(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    with tenant_a.schema():
        due = appointment(setup_a, starts_in=timedelta(hours=20))
        appointment(setup_a, starts_in=timedelta(hours=30), email="later@example.org")
        appointment(
            setup_a,
            starts_in=timedelta(hours=5),
            email="gone@example.org",
            status="cancelled",
            official=setup_a.officials[1],
        )
        appointment(
            setup_a,
            starts_in=-timedelta(hours=1),
            email="past@example.org",
            official=setup_a.officials[1],
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert send_appointment_reminders() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert send_appointment_reminders() == 0
        assert Appointment.objects.get(pk=due.pk).reminder_sent_at is not None
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert message.subject.startswith("Erinnerung")
    assert due.reference in message.body
    assert not message.attachments


def test_an_appointment_booked_inside_the_window_gets_no_reminder(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    with tenant_a.schema():
        fresh = appointment(setup_a, starts_in=timedelta(hours=10), booked_ago=timedelta(minutes=5))
        with django_capture_on_commit_callbacks(execute=True):
            assert send_appointment_reminders() == 0
        # marked, so later runs do not look at it again
        assert Appointment.objects.get(pk=fresh.pk).reminder_sent_at is not None
    assert mail.outbox == []


def test_reminder_in_english_for_an_english_booking(
    tenant_a, setup_a, django_capture_on_commit_callbacks
):
    with tenant_a.schema():
        row = appointment(setup_a, starts_in=timedelta(hours=20))
        Appointment.objects.filter(pk=row.pk).update(language="en")
        with django_capture_on_commit_callbacks(execute=True):
            send_appointment_reminders()
    assert mail.outbox[0].subject.startswith("Reminder")


@pytest.fixture
def _test_database(django_db_setup):
    """committed_tenant needs the test database; the tests above use `db`, so it exists."""


@pytest.mark.committing
@pytest.mark.usefixtures("_test_database")
def test_two_concurrent_reminder_runs_send_one_mail(committed_tenant):
    ctx = committed_tenant
    with ctx.schema():
        setup = booking_setup(officials=1)
        rows = [
            appointment(setup, starts_in=timedelta(hours=h), email=f"c{h}@example.org")
            for h in (2, 4, 6, 8, 10)
        ]
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        try:
            connection.set_tenant(ctx.tenant)
            barrier.wait(10)
            counts.append(send_appointment_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == len(rows)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in rows)


# --- video meetings ---------------------------------------------------------------------------


def test_meetings_open_shortly_before_video_appointments_and_only_once(tenant_a, setup_a):
    with tenant_a.schema():
        soon = appointment(setup_a, starts_in=timedelta(minutes=8), mode="video")
        appointment(
            setup_a, starts_in=timedelta(minutes=40), mode="video", official=setup_a.officials[1]
        )
        appointment(  # 20 minutes: ends well before the 40-minute one, whatever the clock
            setup_a,
            starts_in=timedelta(minutes=5),
            mode="in_person",
            official=setup_a.officials[1],
            minutes=20,
        )
        assert open_appointment_video_sessions() == 1
        assert open_appointment_video_sessions() == 0
        [session] = VideoSession.objects.all()
        assert (session.subject_kind, session.subject_id) == ("appointment", soon.pk)
        assert session.host_id == soon.official.user_id
        assert session.host_url


def test_a_running_appointment_without_a_meeting_still_gets_one(tenant_a, setup_a):
    with tenant_a.schema():
        appointment(setup_a, starts_in=-timedelta(minutes=5), mode="video")
        appointment(
            setup_a, starts_in=-timedelta(minutes=40), mode="video", official=setup_a.officials[1]
        )  # already over
        assert appointment_video_sessions_open() == 1


def test_a_provider_error_is_logged_and_retried_next_run(
    tenant_a,
    setup_a,
    fake_webex,  # noqa: F811
    caplog,
    settings,
):
    from videoconf.services import video_integration_update

    settings.WEBEX_MAX_RETRIES, settings.WEBEX_BACKOFF_BASE_SECONDS = 0, 0.01
    creds = fake_webex.register_app("booking-client", "booking-secret", "booking-refresh")
    with tenant_a.schema():
        video_integration_update(
            acting_user=None,
            data={
                "provider": "webex",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "refresh_token": creds.refresh_token,
                "access_token": creds.access_token,
                "host_email": "video@alpha.example",
                "api_base": fake_webex.base_url,
            },
        )
        row = appointment(setup_a, starts_in=timedelta(minutes=6), mode="video")
        fake_webex.fail_next("/meetings", 503, count=5, method="POST")
        assert appointment_video_sessions_open() == 0
        assert "not opened" in caplog.text
        assert not VideoSession.objects.exists()
        fake_webex.clear_failures()
        assert appointment_video_sessions_open() == 1
        session = VideoSession.objects.get(subject_kind="appointment", subject_id=row.pk)
        assert session.external_id
        created = fake_webex.requests("POST", "/meetings")[-1]
        assert "Erika" not in created.body.decode()  # no personal data at the provider
