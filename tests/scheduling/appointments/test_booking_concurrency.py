"""Simultaneous bookings of one slot, with real threads and real commits: the database's
exclusion constraint decides, and everybody else gets 409 slot_taken."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client

from scheduling.appointments.models import Appointment
from tests.conftest import api_token
from tests.scheduling.appointments.test_booking_support import (
    booking_body,
    booking_setup,
    local,
    working_day,
)

THREADS = 25


@pytest.fixture
def _test_database(django_db_setup):
    """committed_tenant needs the test database. pytest-django creates it only when a
    collected test uses `db`; the constraint test below does, so this module works alone."""


def book_concurrently(ctx, bodies: list[dict], **options) -> list[int]:
    """POST every booking at once, each from its own thread (see post_concurrently)."""
    return post_concurrently(ctx, [("/api/appointments/", body, {}) for body in bodies], **options)


def post_concurrently(
    ctx,
    requests: list[tuple[str, dict, dict]],
    *,
    raise_errors: bool = True,
    rival: Callable | None = None,
) -> list[int]:
    """POST every (path, body, headers) at once, each from its own thread (and database
    connection); the statuses in order.

    With `rival`, the racers run behind a rival's write: `rival()` inserts a row in a
    transaction of its own that is still open while the racers book, and rolls back once
    every racer waits for a lock - as a booking does whose insert the constraint refuses."""
    cache.clear()  # the booking throttle counts per client address; these are many citizens
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def run(index: int, path: str, body: dict, headers: dict) -> None:
        try:
            client = Client(HTTP_HOST=ctx.host, raise_request_exception=raise_errors, **headers)
            barrier.wait(timeout=30)
            statuses[index] = client.post(path, body, content_type="application/json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *r)) for i, r in enumerate(requests)]
    with ExitStack() as stack:
        if rival is not None:
            stack.enter_context(ctx.schema())
            stack.enter_context(transaction.atomic())
            rival()
        for t in threads:
            t.start()
        if rival is not None:
            wait_for_lock_waiters(len(requests))
            transaction.set_rollback(True)
    for t in threads:
        t.join(timeout=60)
    return statuses


def wait_for_lock_waiters(count: int, timeout: float = 10) -> None:
    """Until `count` other sessions of this database wait for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh inside a transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.005)


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


ROUNDS = 3
RACERS = 10


def rival_row(setup, official, start):
    """A write of a row holding `official` from `start` (see post_concurrently's rival)."""

    def rival() -> None:
        Appointment.objects.create(
            kind=Appointment.Kind.BLOCK,
            reference=f"RIVAL{start:%d%H%M}",
            office=setup.office,
            official=official,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_until=start + timedelta(minutes=35),
        )

    return rival


@pytest.mark.committing
@pytest.mark.usefixtures("_test_database")
def test_racing_bookings_behind_a_refused_one_never_deadlock(committed_tenant):
    """Racers for one slot queue behind a rival's uncommitted row of the same official; when
    it rolls back, PostgreSQL rechecks the constraint for all of them at once. Without a lock
    per official each racer then finds the others' uncommitted rows and waits for them: a
    deadlock, a 500 for all but one. With it: 201 for one per official, 409 for the rest."""
    officials = 3
    with committed_tenant.schema():
        setup = booking_setup(officials=officials)
    first = setup.officials[0]  # everybody's first choice: the least loaded, then lowest id
    day = working_day(7)
    for hour in range(8, 8 + ROUNDS):
        start = local(day, hour)
        bodies = [
            booking_body(setup, start, email=f"r{hour}c{i}@example.org", name=f"Bürger {i}")
            for i in range(RACERS)
        ]
        statuses = book_concurrently(
            committed_tenant, bodies, raise_errors=False, rival=rival_row(setup, first, start)
        )
        assert Counter(statuses) == {201: officials, 409: RACERS - officials}, start
    with committed_tenant.schema():
        booked = Appointment.objects.filter(status="booked", kind="appointment")
        assert booked.count() == officials * ROUNDS


@pytest.mark.committing
@pytest.mark.usefixtures("_test_database")
def test_an_admin_blocking_time_races_bookings_without_deadlock(committed_tenant):
    """An admin's block of the official's hour and bookings of a slot in it, all behind a
    rival's row: whoever gets the official first holds the time, the others get 409
    (block_overlaps or slot_taken), nobody a 500."""
    ctx = committed_tenant
    with ctx.schema():
        setup = booking_setup(officials=1)
    official = setup.officials[0]
    token = api_token(ctx.client(), ctx.admin_email)
    admin = {"HTTP_AUTHORIZATION": f"Token {token}"}
    day = working_day(7)
    for hour in range(8, 8 + ROUNDS):
        start = local(day, hour)
        block = {
            "official": official.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        }
        requests = [("/api/admin/blocks/", block, admin)] + [
            ("/api/appointments/", booking_body(setup, start, email=f"b{hour}c{i}@example.org"), {})
            for i in range(RACERS - 1)
        ]
        statuses = post_concurrently(
            ctx, requests, raise_errors=False, rival=rival_row(setup, official, start)
        )
        assert 500 not in statuses, (start, statuses)
        assert Counter(statuses) == {201: 1, 409: RACERS - 1}, (start, statuses)
