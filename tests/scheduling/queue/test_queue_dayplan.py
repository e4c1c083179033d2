"""`scheduling.queue.dayplan.day_plan`: an official's appointments and handled tickets of one
local day, interleaved by time - also on the days the clocks change."""

from __future__ import annotations

from datetime import date

from scheduling.queue.dayplan import day_plan
from scheduling.queue.models import Ticket, hash_secret
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import at, make_appointment


def handled(office, official, n, called_at, status="done"):
    return Ticket.objects.create(
        office=office,
        day=called_at.date(),
        sequence=n,
        number=f"B-{n:03d}",
        token_hash=hash_secret(f"d{n}"),
        status=status,
        official=official,
        called_at=called_at,
        finished_at=called_at.replace(minute=called_at.minute + 5),
    )


def test_appointments_and_tickets_are_interleaved_by_time(tenant_a):
    with tenant_a.schema():
        office = make_office("buergerbuero")
        me, colleague = make_official(office), make_official(office)
        make_appointment(office=office, official=me, start=at(2027, 3, 1, 10), name="Max")
        make_appointment(
            office=office, official=me, start=at(2027, 3, 1, 8, 30), mode="video", name="Eva"
        )
        make_appointment(office=office, official=me, start=at(2027, 3, 1, 11), status="cancelled")
        make_appointment(office=office, official=colleague, start=at(2027, 3, 1, 9))
        make_appointment(office=office, official=me, start=at(2027, 3, 2, 9))
        handled(office, me, 1, at(2027, 3, 1, 9, 10))
        handled(office, colleague, 2, at(2027, 3, 1, 9, 20))
        plan = day_plan(member=me, day=date(2027, 3, 1))
    assert [
        (e.kind, e.start.astimezone(at(2027, 1, 1, 0).tzinfo).strftime("%H:%M"), e.mode, e.name)
        for e in plan
    ] == [
        ("appointment", "08:30", "video", "Eva"),
        ("ticket", "09:10", "video", ""),
        ("appointment", "10:00", "in_person", "Max"),
    ]
    assert plan[1].label == "B-001" and plan[1].as_dict()["status"] == "done"


def test_the_day_is_the_local_day_also_when_the_clocks_go_forward(tenant_a):
    with tenant_a.schema():
        office = make_office("buergerbuero")
        me = make_official(office)
        make_appointment(office=office, official=me, start=at(2027, 3, 27, 23, 20))  # Sat
        make_appointment(office=office, official=me, start=at(2027, 3, 27, 23, 50))  # Sat
        make_appointment(office=office, official=me, start=at(2027, 3, 28, 0, 30))  # CET
        make_appointment(office=office, official=me, start=at(2027, 3, 28, 23, 30))  # CEST
        make_appointment(office=office, official=me, start=at(2027, 3, 29, 0, 10))  # Mon
        plan = day_plan(member=me, day=date(2027, 3, 28))
        starts = [e.as_dict()["start"] for e in plan]
    # The 23-hour Sunday: from 00:00 CET to 24:00 CEST. The Saturday appointment ending
    # 00:10 overlaps it; the one ending 23:40 and Monday's do not.
    assert starts == [
        "2027-03-27T23:50:00+01:00",
        "2027-03-28T00:30:00+01:00",
        "2027-03-28T23:30:00+02:00",
    ]
