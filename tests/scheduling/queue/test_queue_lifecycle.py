"""The ticket lifecycle through the services: numbers, each transition and its guard, the
video session, the no-show timer, expiry at closing, transfer, and the appointment guard."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from platform_core.errors import ApiError
from platform_core.models import AuditLog
from scheduling.queue import services as qs
from scheduling.queue.models import Ticket, hash_secret
from scheduling.queue.selectors import ticket_status
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import MONDAY_9, at, make_appointment, make_setup
from videoconf.models import VideoSession

S = Ticket.Status


@pytest.fixture
def setup(tenant_a):
    return make_setup(tenant_a, seen=MONDAY_9)


def join(setup, now=MONDAY_9, **kw):
    with setup.ctx.schema():
        return qs.ticket_join(office=setup.office, now=now, **kw)


def call(setup, now=MONDAY_9, user=None):
    with setup.ctx.schema():
        return qs.ticket_call_next(
            office=setup.office, acting_user=user or setup.official.user, now=now
        )


def fresh(setup, ticket) -> Ticket:
    with setup.ctx.schema():
        return Ticket.objects.get(pk=ticket.pk)


def test_numbers_count_up_per_office_with_the_office_prefix(setup):
    numbers = [join(setup)[0].number for _ in range(3)]
    assert numbers == ["B-001", "B-002", "B-003"]


def test_only_the_hash_of_the_token_is_stored_and_it_is_long(setup):
    ticket, token = join(setup)
    assert len(token) >= 43  # 32 random bytes, url-safe base64: 256 bits
    stored = fresh(setup, ticket)
    assert stored.token_hash == hash_secret(token)
    with setup.ctx.schema():
        assert not Ticket.objects.filter(token_hash=token).exists()


def test_numbers_restart_on_the_next_local_day_and_are_never_reused_within_a_day(setup):
    first, _ = join(setup, now=at(2027, 3, 1, 9))
    with setup.ctx.schema():
        qs.ticket_leave(ticket=first)  # leaving does not free the number
    second, _ = join(setup, now=at(2027, 3, 1, 10))
    next_day, _ = join(setup, now=at(2027, 3, 2, 9))
    assert (first.number, second.number, next_day.number) == ("B-001", "B-002", "B-001")
    assert next_day.day.isoformat() == "2027-03-02"


def test_nothing_personal_is_required_but_what_is_given_is_kept(setup):
    anonymous, _ = join(setup)
    named, _ = join(setup, name=" Erika Muster ", email="erika@example.org", phone="0941 123")
    assert (anonymous.name, anonymous.email, anonymous.phone) == ("", "", "")
    assert (named.name, named.email, named.phone) == (
        "Erika Muster",
        "erika@example.org",
        "0941 123",
    )


def test_the_whole_way_waiting_called_in_session_done_stamps_each_moment(setup):
    ticket, token = join(setup)
    assert ticket.status == S.WAITING and ticket.created_at is not None
    called = call(setup, now=MONDAY_9 + timedelta(minutes=1))
    assert called.ticket.pk == ticket.pk
    assert called.host_url.startswith("/video/")
    with setup.ctx.schema():
        session = VideoSession.objects.get(subject_kind="ticket", subject_id=ticket.pk)
        assert session.host_id == setup.official.user_id and session.status == "open"
        setup.official.refresh_from_db()
        assert setup.official.presence == "busy" and setup.official.mode == "video"
        qs.ticket_start(
            ticket=ticket, acting_user=setup.official.user, now=MONDAY_9 + timedelta(minutes=2)
        )
        qs.ticket_complete(
            ticket=ticket, acting_user=setup.official.user, now=MONDAY_9 + timedelta(minutes=12)
        )
    done = fresh(setup, ticket)
    assert done.status == S.DONE
    assert done.called_at == MONDAY_9 + timedelta(minutes=1)
    assert done.started_at == MONDAY_9 + timedelta(minutes=2)
    assert done.finished_at == MONDAY_9 + timedelta(minutes=12)
    assert done.official_id == setup.official.pk and done.call_count == 1
    with setup.ctx.schema():
        actions = list(
            AuditLog.objects.filter(object_type="scheduling.ticket", object_id=str(ticket.pk))
            .order_by("created_at", "pk")
            .values_list("action", flat=True)
        )
        status = ticket_status(token=token)
    assert actions == ["ticket.join", "ticket.call", "ticket.start", "ticket.complete"]
    assert status["status"] == "done" and status["position"] is None


def test_completing_ends_the_video_session_and_frees_the_official(
    setup, tenant_a, django_capture_on_commit_callbacks
):
    ticket, _ = join(setup)
    call(setup)
    with tenant_a.schema():
        qs.ticket_start(ticket=ticket, acting_user=setup.official.user)
        with django_capture_on_commit_callbacks(execute=True):
            qs.ticket_complete(ticket=ticket, acting_user=setup.official.user)
        session = VideoSession.objects.get(subject_kind="ticket", subject_id=ticket.pk)
        setup.official.refresh_from_db()
    assert session.status == "ended" and session.ended_at is not None
    assert setup.official.presence == "available"


# Every transition that is not in the lifecycle is refused with 409 invalid_transition.
@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("waiting", "start"),
        ("waiting", "complete"),
        ("waiting", "no_show"),
        ("waiting", "recall"),
        ("called", "complete"),
        ("in_session", "start_again_is_fine"),
        ("in_session", "no_show"),
        ("in_session", "leave"),
        ("in_session", "recall"),
        ("done", "start"),
        ("done", "no_show"),
        ("done", "leave"),
        ("done", "transfer"),
        ("left", "start"),
        ("left", "recall"),
        ("left", "complete"),
        ("expired", "start"),
        ("expired", "leave"),
        ("no_show", "start"),
        ("no_show", "complete"),
    ],
)
def test_each_transition_is_guarded(setup, tenant_a, state, action):
    other = make_office_in(tenant_a, "standesamt")
    ticket, _ = join(setup)
    user = setup.official.user
    with tenant_a.schema():
        Ticket.objects.filter(pk=ticket.pk).update(status=state, official=setup.official)
        ticket = Ticket.objects.get(pk=ticket.pk)
        run = {
            "start": lambda: qs.ticket_start(ticket=ticket, acting_user=user),
            "start_again_is_fine": lambda: qs.ticket_start(ticket=ticket, acting_user=user),
            "complete": lambda: qs.ticket_complete(ticket=ticket, acting_user=user),
            "no_show": lambda: qs.ticket_no_show(ticket=ticket, acting_user=user),
            "recall": lambda: qs.ticket_recall(ticket=ticket, acting_user=user),
            "leave": lambda: qs.ticket_leave(ticket=ticket),
            "transfer": lambda: qs.ticket_transfer(
                ticket=ticket, to_office=other, acting_user=user
            ),
        }[action]
        if action == "start_again_is_fine":  # the official's click and a webhook may race
            assert run().status == S.IN_SESSION
            return
        with pytest.raises(ApiError) as refused:
            run()
        assert refused.value.code == "invalid_transition"
        assert refused.value.status_code == 409
        assert Ticket.objects.get(pk=ticket.pk).status == state


def make_office_in(ctx, slug):
    with ctx.schema():
        return make_office(slug, ticket_prefix=slug[:1].upper())


def test_leaving_while_waiting_and_after_being_called(setup, tenant_a):
    waiting, token = join(setup)
    second, _ = join(setup)
    with tenant_a.schema():
        assert ticket_status(token=token)["position"] == 1
        qs.ticket_leave(ticket=waiting)
        assert ticket_status(token=token)["status"] == "left"
        assert qs.ticket_leave(ticket=waiting).status == S.LEFT  # twice is harmless
    call(setup)
    with tenant_a.schema():
        left = qs.ticket_leave(ticket=Ticket.objects.get(pk=second.pk))
    assert left.status == S.LEFT and left.finished_at is not None


def test_the_next_citizen_moves_up_when_someone_ahead_leaves(setup, tenant_a):
    first, _ = join(setup)
    _, token = join(setup)
    with tenant_a.schema():
        before = ticket_status(token=token, now=MONDAY_9)
        qs.ticket_leave(ticket=first)
        after = ticket_status(token=token, now=MONDAY_9)
    assert (before["position"], before["people_ahead"]) == (2, 1)
    assert (after["position"], after["people_ahead"]) == (1, 0)


def test_call_next_takes_the_oldest_ticket_the_official_can_serve(setup, tenant_a):
    with tenant_a.schema():
        from tests.offices.factories import make_service

        other_service = make_service(setup.office, "gewerbe", name="Gewerbe")  # not theirs
    foreign, _ = join(setup, service=other_service)
    plain, _ = join(setup)
    own, _ = join(setup, service=setup.service)

    def call_and_finish():
        called = call(setup)
        if called is not None:
            with tenant_a.schema():
                qs.ticket_no_show(ticket=called.ticket, acting_user=setup.official.user)
        return called

    assert call_and_finish().ticket.pk == plain.pk
    assert call_and_finish().ticket.pk == own.pk
    assert call_and_finish() is None  # only the ticket of a service they do not serve is left
    assert fresh(setup, foreign).status == S.WAITING


def test_an_official_cannot_call_from_an_office_they_do_not_belong_to(setup, tenant_a):
    join(setup)
    with tenant_a.schema():
        other = make_office("standesamt")
        stranger = make_official(other, email="stranger@example.org")
        with pytest.raises(ApiError) as refused:
            qs.ticket_call_next(office=setup.office, acting_user=stranger.user, now=MONDAY_9)
    assert refused.value.code == "not_staff_of_office"
    assert refused.value.status_code == 403


@pytest.mark.parametrize(
    ("starts_in", "mode", "refused"),
    [
        (timedelta(minutes=9), "in_person", True),
        (timedelta(minutes=10), "in_person", False),  # exactly the guard: the call fits before
        (timedelta(minutes=-5), "in_person", True),  # running now
        (timedelta(minutes=5), "video", True),  # a video appointment collides just the same
        (timedelta(minutes=30), "in_person", False),
    ],
)
def test_no_new_video_tickets_right_before_an_appointment(
    setup, tenant_a, starts_in, mode, refused
):
    join(setup)
    with tenant_a.schema():
        make_appointment(
            office=setup.office,
            official=setup.official,
            start=MONDAY_9 + starts_in,
            mode=mode,
            name="Max",
        )
    if refused:
        with pytest.raises(ApiError) as error:
            call(setup)
        assert error.value.code == "appointment_due" and error.value.status_code == 409
    else:
        assert call(setup) is not None


def test_cancelled_appointments_do_not_block_calls(setup, tenant_a):
    join(setup)
    with tenant_a.schema():
        make_appointment(
            office=setup.office,
            official=setup.official,
            start=MONDAY_9 + timedelta(minutes=5),
            status="cancelled",
        )
    assert call(setup) is not None


def test_guard_minutes_come_from_settings(setup, tenant_a, settings):
    settings.QUEUE_APPOINTMENT_GUARD_MINUTES = 40
    join(setup)
    with tenant_a.schema():
        make_appointment(
            office=setup.office, official=setup.official, start=MONDAY_9 + timedelta(minutes=30)
        )
    with pytest.raises(ApiError):
        call(setup)


def test_called_citizen_who_does_not_join_becomes_a_no_show(setup, tenant_a, settings):
    settings.QUEUE_NO_SHOW_MINUTES = 5
    late, _ = join(setup)
    joined, _ = join(setup)
    with tenant_a.schema():
        colleague = make_official(setup.office, email="colleague@example.org")
    call(setup, now=MONDAY_9)
    call(setup, now=MONDAY_9, user=colleague.user)
    with tenant_a.schema():
        qs.ticket_mark_joined(ticket=joined, now=MONDAY_9 + timedelta(minutes=1))
        assert qs.tickets_expire_no_shows(now=MONDAY_9 + timedelta(minutes=4, seconds=59)) == 0
        assert qs.tickets_expire_no_shows(now=MONDAY_9 + timedelta(minutes=5, seconds=1)) == 1
    gone = fresh(setup, late)
    assert gone.status == S.NO_SHOW
    assert gone.finished_at == MONDAY_9 + timedelta(minutes=5, seconds=1)
    assert fresh(setup, joined).status == S.CALLED  # joining stopped the timer


def test_marking_joined_changes_no_status_and_keeps_the_first_moment(setup, tenant_a):
    ticket, _ = join(setup)
    call(setup)
    with tenant_a.schema():
        qs.ticket_mark_joined(ticket=ticket, now=MONDAY_9 + timedelta(minutes=1))
        qs.ticket_mark_joined(ticket=ticket, now=MONDAY_9 + timedelta(minutes=2))
    again = fresh(setup, ticket)
    assert again.status == S.CALLED
    assert again.joined_at == MONDAY_9 + timedelta(minutes=1)


def test_a_no_show_can_be_called_again_with_a_new_session(setup, tenant_a):
    ticket, _ = join(setup)
    call(setup)
    with tenant_a.schema():
        qs.ticket_no_show(ticket=ticket, acting_user=setup.official.user)
        VideoSession.objects.filter(subject_kind="ticket", subject_id=ticket.pk).update(
            status="ended"
        )
        again = qs.ticket_recall(
            ticket=Ticket.objects.get(pk=ticket.pk), acting_user=setup.official.user
        )
        assert (
            VideoSession.objects.filter(subject_kind="ticket", subject_id=ticket.pk)
            .exclude(status="ended")
            .count()
            == 1
        )
    assert again.ticket.status == S.CALLED and again.ticket.finished_at is None
    assert again.ticket.call_count == 2 and again.host_url.startswith("/video/")


def test_recall_of_a_called_ticket_restarts_the_no_show_timer(setup, tenant_a, settings):
    settings.QUEUE_NO_SHOW_MINUTES = 5
    ticket, _ = join(setup)
    call(setup, now=MONDAY_9)
    with tenant_a.schema():
        qs.ticket_recall(
            ticket=ticket, acting_user=setup.official.user, now=MONDAY_9 + timedelta(minutes=4)
        )
        assert qs.tickets_expire_no_shows(now=MONDAY_9 + timedelta(minutes=6)) == 0
        assert (
            VideoSession.objects.filter(subject_kind="ticket", subject_id=ticket.pk).count() == 1
        )  # the same session
    assert fresh(setup, ticket).call_count == 2


def test_transfer_gives_a_new_number_of_the_other_office_and_keeps_the_place(setup, tenant_a):
    with tenant_a.schema():
        other = make_office("standesamt", ticket_prefix="S")
    early, _ = join(setup)
    with tenant_a.schema():
        _first_there, there_token = qs.ticket_join(office=other, now=MONDAY_9)
    call(setup)
    with tenant_a.schema():
        moved = qs.ticket_transfer(
            ticket=early, to_office=other, acting_user=setup.official.user, now=MONDAY_9
        )
        early_status = ticket_status(token=there_token)
    assert moved.office_id == other.pk and moved.status == S.WAITING
    assert moved.number == "S-002" and moved.official_id is None and moved.service_id is None
    # It drew its number before the other office's first citizen: it stays ahead of them.
    assert early_status["people_ahead"] == 1


def test_transfer_to_the_same_office_is_refused(setup, tenant_a):
    ticket, _ = join(setup)
    with tenant_a.schema(), pytest.raises(ApiError) as refused:
        qs.ticket_transfer(ticket=ticket, to_office=setup.office, acting_user=setup.official.user)
    assert refused.value.code == "same_office"


def test_waiting_tickets_expire_when_the_office_closes(tenant_a):
    setup = make_setup(tenant_a, windows=[(0, time(8), time(12))], seen=MONDAY_9)
    waiting, token = join(setup, now=at(2027, 3, 1, 11, 50))
    called, _ = join(setup, now=at(2027, 3, 1, 11, 51))
    with tenant_a.schema():
        Ticket.objects.filter(pk=called.pk).update(status=S.CALLED, official=setup.official)
        assert qs.tickets_expire_at_closing(now=at(2027, 3, 1, 11, 59, 59)) == 0
        assert qs.tickets_expire_at_closing(now=at(2027, 3, 1, 12, 0, 30)) == 1
        status = ticket_status(token=token)
    assert fresh(setup, waiting).status == S.EXPIRED
    assert fresh(setup, called).status == S.CALLED  # someone is already talking to them
    assert status["status"] == "expired"
    assert status["booking_url"] == "/offices/buergerbuero/book/"


def test_tickets_left_over_from_an_earlier_day_expire(setup, tenant_a):
    ticket, _ = join(setup, now=at(2027, 3, 1, 9))
    with tenant_a.schema():
        # The office is open again the next morning, but yesterday's number is void.
        assert qs.tickets_expire_at_closing(now=at(2027, 3, 2, 9)) == 1
    assert fresh(setup, ticket).status == S.EXPIRED


def test_a_queue_on_the_day_the_clocks_go_back(tenant_a):
    # Sunday 25 October 2026 has 25 hours in Berlin; the office is open around the clock.
    setup = make_setup(
        tenant_a,
        windows=[(6, time(0), time(23, 59, 59)), (0, time(0), time(23, 59, 59))],
        seen=at(2026, 10, 25, 1),
    )
    before = at(2026, 10, 25, 1, 30).replace(fold=0)  # 01:30 CEST (UTC+2)
    repeated = at(2026, 10, 25, 2, 30).replace(fold=1)  # 02:30 CET, the hour that repeats
    late = at(2026, 10, 25, 23, 30)  # CET, 22:30 UTC
    next_day = at(2026, 10, 26, 0, 10)  # 23:10 UTC of the 25th, but Monday locally
    numbers = [join(setup, now=moment)[0] for moment in (before, repeated, late, next_day)]
    assert [t.number for t in numbers] == ["B-001", "B-002", "B-003", "B-001"]
    assert [t.day.isoformat() for t in numbers] == ["2026-10-25"] * 3 + ["2026-10-26"]
    with tenant_a.schema():
        # Sunday's window ends at 23:59:59 local time (22:59:59 UTC), not at UTC midnight.
        assert qs.tickets_expire_at_closing(now=at(2026, 10, 25, 23, 59, 30)) == 0
        expired = qs.tickets_expire_at_closing(now=at(2026, 10, 26, 0, 0, 0))
    assert expired == 3  # the Sunday tickets; Monday's own number stays
    assert fresh(setup, numbers[3]).status == S.WAITING


def test_a_queue_on_the_day_the_clocks_go_forward(tenant_a):
    # Sunday 28 March 2027: 23 hours; closing at 12:00 local is 10:00 UTC (summer time).
    setup = make_setup(tenant_a, windows=[(6, time(8), time(12))], seen=at(2027, 3, 28, 11))
    ticket, token = join(setup, now=at(2027, 3, 28, 11))
    with tenant_a.schema():
        status = ticket_status(token=token, now=at(2027, 3, 28, 11))
        assert qs.tickets_expire_at_closing(now=at(2027, 3, 28, 11, 59)) == 0
        assert qs.tickets_expire_at_closing(now=datetime(2027, 3, 28, 10, 0, 1, tzinfo=UTC)) == 1
    assert status["position"] == 1 and status["estimated_wait_minutes"] == 0
    assert ticket.number == "B-001"
