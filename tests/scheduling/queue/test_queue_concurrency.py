"""Concurrency against real PostgreSQL, with real threads and committed data: officials
calling at the same moment never get the same ticket, and citizens joining at the same moment
never get the same number or slip past the waiting room's capacity."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from platform_core.errors import ApiError
from scheduling.queue import services as qs
from scheduling.queue.models import Ticket, TicketCounter, hash_secret
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import ALL_DAY, MONDAY_9


def test_one_counter_row_per_office_and_local_day(tenant_a):
    """(Also makes pytest-django create the test database that the committing tests below
    need: it only sets up databases that some selected test asks for with `db`.)"""
    with tenant_a.schema():
        first = make_office("eins", windows=ALL_DAY, ticket_prefix="E")
        second = make_office("zwei", windows=ALL_DAY, ticket_prefix="Z")
        for office in (first, second, first):
            qs.ticket_join(office=office, now=MONDAY_9)
        qs.ticket_join(office=first, now=MONDAY_9.replace(day=2))
        rows = sorted(TicketCounter.objects.values_list("office__slug", "day", "last"))
    assert [(slug, day.day, last) for slug, day, last in rows] == [
        ("eins", 1, 2),
        ("eins", 2, 1),
        ("zwei", 1, 1),
    ]


def run_threads(ctx, count: int, work: Callable[[int], object]) -> list:
    """Run `work(i)` in `count` threads that start together, each in the tenant's schema with
    its own connection; return their results (an exception fails the test)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            connection.set_tenant(ctx.tenant)
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")
def test_call_next_never_hands_one_ticket_to_two_officials(committed_tenant):
    officials, per_official = 4, 125
    total = officials * per_official
    with committed_tenant.schema():
        office = make_office(
            "buergerbuero", windows=ALL_DAY, ticket_prefix="B", waiting_room_capacity=500
        )
        users = [
            make_official(office, email=f"o{i}@example.org", presence="available").user
            for i in range(officials)
        ]
        Ticket.objects.bulk_create(
            Ticket(
                office=office,
                day=MONDAY_9.date(),
                sequence=n,
                number=f"B-{n:03d}",
                token_hash=hash_secret(f"token-{n}"),
            )
            for n in range(1, total + 1)
        )

    def work(i: int) -> list[int]:
        mine = []
        while (called := qs.ticket_call_next(office=office, acting_user=users[i])) is not None:
            mine.append(called.ticket.pk)
            # One call at a time: the citizen does not come, the official calls the next.
            qs.ticket_no_show(ticket=called.ticket, acting_user=users[i])
        return mine

    per_thread = run_threads(committed_tenant, officials, work)
    handed_out = [pk for ids in per_thread for pk in ids]
    assert len(handed_out) == total
    assert len(set(handed_out)) == total, "a ticket was handed to two officials"
    assert all(per_thread), "every official got tickets: they did not queue behind each other"
    with committed_tenant.schema():
        assert Ticket.objects.filter(status="no_show").count() == total
        assert Ticket.objects.filter(call_count=1).count() == total
        by_official = Counter(Ticket.objects.values_list("official__user_id", flat=True))
        from videoconf.models import VideoSession

        assert VideoSession.objects.count() == total
    assert sorted(by_official.values()) == sorted(len(ids) for ids in per_thread)


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")
def test_concurrent_joins_never_hand_out_a_number_twice(committed_tenant):
    threads, per_thread = 8, 25
    with committed_tenant.schema():
        office = make_office(
            "buergerbuero", windows=ALL_DAY, ticket_prefix="B", waiting_room_capacity=500
        )

    def work(_i: int) -> list[str]:
        return [qs.ticket_join(office=office, now=MONDAY_9)[0].number for _ in range(per_thread)]

    numbers = [n for batch in run_threads(committed_tenant, threads, work) for n in batch]
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert sorted(numbers) == [f"B-{n:03d}" for n in range(1, threads * per_thread + 1)]


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")
def test_concurrent_joins_never_exceed_the_capacity(committed_tenant):
    threads, per_thread, capacity = 8, 5, 10
    with committed_tenant.schema():
        office = make_office(
            "buergerbuero", windows=ALL_DAY, ticket_prefix="B", waiting_room_capacity=capacity
        )

    def work(_i: int) -> list[str]:
        outcomes = []
        for _ in range(per_thread):
            try:
                outcomes.append(qs.ticket_join(office=office, now=MONDAY_9)[0].number)
            except ApiError as exc:
                outcomes.append(exc.code)
        return outcomes

    outcomes = Counter(o for batch in run_threads(committed_tenant, threads, work) for o in batch)
    assert outcomes.pop("waiting_room_full") == threads * per_thread - capacity
    # Refused joins gave their numbers back: exactly 1..capacity were handed out.
    assert sorted(outcomes) == [f"B-{n:03d}" for n in range(1, capacity + 1)]
    with committed_tenant.schema():
        assert Ticket.objects.filter(status="waiting").count() == capacity


@pytest.mark.committing
@pytest.mark.usefixtures("django_db_setup")
def test_a_double_click_on_call_next_calls_one_citizen(committed_tenant):
    """One official, two call-next requests at the same moment, two people waiting: one is
    called, the other request is refused (an official has one call at a time)."""
    with committed_tenant.schema():
        office = make_office("amt", windows=ALL_DAY, ticket_prefix="A")
        user = make_official(office, email="o@example.org", presence="available").user
        for _ in range(2):
            qs.ticket_join(office=office, now=MONDAY_9)

    def click(_i: int) -> int | str:
        try:
            return qs.ticket_call_next(office=office, acting_user=user).ticket.pk
        except ApiError as exc:
            return exc.code

    outcomes = run_threads(committed_tenant, 2, click)
    assert sorted(map(str, outcomes)).count("call_in_progress") == 1, outcomes
    with committed_tenant.schema():
        assert Ticket.objects.filter(status="called").count() == 1
