"""Rescheduling is atomic: the new slot is taken before the old one is released, and a
reschedule that fails - checked up front or refused by the database at insert time - leaves
the old appointment exactly as it was."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from platform_core.models import AuditLog
from scheduling.appointments.models import Appointment, hash_secret
from scheduling.appointments.services import Citizen, appointment_book, appointment_reschedule
from tests.scheduling.appointments.test_booking_support import (
    at,
    booking_setup,
    local,
    post_json,
    working_day,
)

NOW = at(2027, 2, 26, 12)
MONDAY = (2027, 3, 1)


def book(ctx, setup, hh, mm=0, email="erika@example.org", mode="in_person"):
    with ctx.schema():
        return appointment_book(
            tenant=ctx.tenant,
            office=setup.office,
            service=setup.service,
            start=at(*MONDAY, hh, mm),
            mode=mode,
            citizen=Citizen(name="Erika", email=email),
            now=NOW,
        )


def snapshot(appointment_id):
    row = Appointment.objects.get(pk=appointment_id)
    return (
        row.reference,
        row.status,
        row.start,
        row.end,
        row.official_id,
        row.mode,
        row.manage_token_hash,
    )


@pytest.fixture
def setup_a(tenant_a):
    with tenant_a.schema():
        return booking_setup()


def test_a_reschedule_to_a_taken_slot_keeps_the_old_appointment(tenant_a, setup_a):
    mine = book(tenant_a, setup_a, 9)
    book(tenant_a, setup_a, 10, email="max@example.org")
    with tenant_a.schema():
        before = snapshot(mine.appointment.pk)
        with pytest.raises(Exception) as caught:
            appointment_reschedule(
                tenant=tenant_a.tenant, appointment=mine.appointment, start=at(*MONDAY, 10), now=NOW
            )
        assert getattr(caught.value, "code", None) == "slot_taken"
        assert snapshot(mine.appointment.pk) == before
        assert Appointment.objects.count() == 2
        assert not Appointment.objects.filter(reference__contains=".").exists()


def test_a_successful_reschedule_archives_the_old_row_and_keeps_reference_and_token(
    tenant_a, setup_a
):
    mine = book(tenant_a, setup_a, 9)
    with tenant_a.schema():
        moved = appointment_reschedule(
            tenant=tenant_a.tenant,
            appointment=mine.appointment,
            start=at(*MONDAY, 11),
            mode="video",
            now=NOW,
        )
        old = Appointment.objects.get(pk=mine.appointment.pk)
        assert moved.pk != old.pk
        assert moved.reference == mine.appointment.reference
        assert old.reference == f"{mine.appointment.reference}.1"
        assert old.status == "cancelled" and old.cancelled_at == NOW
        assert moved.manage_token_hash == hash_secret(mine.manage_token)
        assert (moved.start, moved.mode, moved.status) == (at(*MONDAY, 11), "video", "booked")
        assert AuditLog.objects.filter(
            action="appointment.reschedule", object_id=str(moved.pk)
        ).exists()
        # a second move archives as .2
        again = appointment_reschedule(
            tenant=tenant_a.tenant, appointment=moved, start=at(*MONDAY, 8), now=NOW
        )
        assert again.reference == mine.appointment.reference
        assert Appointment.objects.filter(reference__startswith=f"{again.reference}.").count() == 2


def test_a_cancelled_appointment_cannot_be_moved(tenant_a, setup_a):
    mine = book(tenant_a, setup_a, 9)
    with tenant_a.schema():
        Appointment.objects.filter(pk=mine.appointment.pk).update(status="cancelled")
        with pytest.raises(Exception) as caught:
            appointment_reschedule(
                tenant=tenant_a.tenant, appointment=mine.appointment, start=at(*MONDAY, 11), now=NOW
            )
        assert caught.value.code == "not_reschedulable"


def test_moving_to_an_overlapping_time_needs_a_second_official(tenant_a, setup_a):
    # The old appointment holds its official until the new one is in: with one official a
    # shift by 15 minutes collides with itself and is refused, the old one stays.
    mine = book(tenant_a, setup_a, 9)
    with tenant_a.schema():
        with pytest.raises(Exception) as caught:
            appointment_reschedule(
                tenant=tenant_a.tenant,
                appointment=mine.appointment,
                start=at(*MONDAY, 9, 15),
                now=NOW,
            )
        assert caught.value.code == "slot_taken"
        assert Appointment.objects.get(pk=mine.appointment.pk).status == "booked"


# --- the database refuses at insert time ------------------------------------------------------


@pytest.fixture
def _test_database(django_db_setup):
    """committed_tenant needs the test database; the tests above use `db`, so it exists."""


@pytest.mark.committing
@pytest.mark.usefixtures("_test_database")
def test_a_reschedule_losing_the_race_at_insert_keeps_the_old_appointment(committed_tenant):
    """Another booking of the target slot is inserted but not yet committed while the
    reschedule runs: the slot engine still sees the slot free, the insert waits on the
    exclusion constraint and fails when the other transaction commits. Everything of the
    reschedule - the archived reference included - rolls back."""
    ctx = committed_tenant
    day = working_day(7)
    with ctx.schema():
        setup = booking_setup()
        mine = appointment_book(
            tenant=ctx.tenant,
            office=setup.office,
            service=setup.service,
            start=local(day, 9),
            mode="in_person",
            citizen=Citizen(name="Erika", email="erika@example.org"),
        )
        before = snapshot(mine.appointment.pk)
    inserted = threading.Event()

    def rival() -> None:
        try:
            connection.set_tenant(ctx.tenant)
            with transaction.atomic():
                Appointment.objects.create(
                    reference="RIVAL001",
                    office_id=setup.office.pk,
                    service_id=setup.service.pk,
                    official_id=setup.officials[0].pk,
                    start=local(day, 11),
                    end=local(day, 11, 30),
                    blocked_until=local(day, 11, 35),
                    name="Rivale",
                    email="r@example.org",
                )
                inserted.set()
                time.sleep(0.5)  # the reschedule now runs into the constraint and waits
        finally:
            connection.close()

    thread = threading.Thread(target=rival)
    thread.start()
    assert inserted.wait(10)
    response = post_json(
        Client(HTTP_HOST=ctx.host),
        f"/api/appointments/{mine.appointment.reference}/reschedule/",
        {"token": mine.manage_token, "start": local(day, 11).isoformat()},
    )
    thread.join(10)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    with ctx.schema():
        assert snapshot(mine.appointment.pk) == before
        assert set(Appointment.objects.values_list("reference", flat=True)) == {
            mine.appointment.reference,
            "RIVAL001",
        }
