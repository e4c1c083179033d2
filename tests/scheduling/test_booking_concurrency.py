"""Simultaneous bookings of one slot, with real threads and real commits: the database's
exclusion constraint decides, and everybody else gets 409 slot_taken."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client

from scheduling.models import Appointment
from tests.scheduling.test_booking_support import booking_body, booking_setup, local, working_day

THREADS = 25


@pytest.fixture
def _test_database(django_db_setup):
    """committed_tenant needs the test database. pytest-django creates it only when a
    collected test uses `db`; the constraint test below does, so this module works alone."""


def book_concurrently(ctx, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def run(index: int, body: dict) -> None:
        try:
            client = Client(HTTP_HOST=ctx.host)
            barrier.wait(timeout=30)
            statuses[index] = client.post(
                "/api/appointments/", body, content_type="application/json"
            ).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_the_database_refuses_overlapping_holding_rows_of_one_official(tenant_a):
    with tenant_a.schema():
        setup = booking_setup(officials=2)
        start = local(working_day(7), 9)
        first, second = setup.officials

        def row(ref, official, begin, minutes=30, status="booked"):
            with transaction.atomic():
                return Appointment.objects.create(
                    reference=ref,
                    office=setup.office,
                    service=setup.service,
                    official=official,
                    start=begin,
                    end=begin + timedelta(minutes=minutes),
                    blocked_until=begin + timedelta(minutes=minutes + 5),
                    status=status,
                )

        row("A0000001", first, start)
        with pytest.raises(IntegrityError):
            row("A0000002", first, start + timedelta(minutes=30))  # inside the buffer
        row("A0000003", second, start)  # another official
        row("A0000004", first, start + timedelta(minutes=35))  # right after the buffer
        row("A0000005", first, start, status="cancelled")  # cancelled rows hold nothing


@pytest.mark.committing
@pytest.mark.usefixtures("_test_database")
@pytest.mark.parametrize("officials", [1, 2])
def test_of_25_simultaneous_bookings_of_one_slot_one_per_official_wins(committed_tenant, officials):
    with committed_tenant.schema():
        setup = booking_setup(officials=officials)
    start = local(working_day(7), 9)
    bodies = [
        booking_body(setup, start, email=f"citizen{i}@example.org", name=f"Bürger {i}")
        for i in range(THREADS)
    ]
    statuses = book_concurrently(committed_tenant, bodies)
    assert Counter(statuses) == {201: officials, 409: THREADS - officials}
    with committed_tenant.schema():
        rows = list(Appointment.objects.filter(status="booked"))
    assert len(rows) == officials
    assert len({r.official_id for r in rows}) == officials
    assert len(mail.outbox) == officials  # confirmations only for the winners
