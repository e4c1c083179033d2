"""Writes of the virtual waiting room.

Lifecycle of a ticket (each transition stamps its moment; the final states stamp
`finished_at`)::

    waiting --call--> called --start--> in_session --complete--> done
       |                |  \\--no-show (timer or official)--> no_show --recall--> called
       |                |--recall--> called (announced again, timer restarts)
       |                |--citizen opens the video--> "joined" (still `called`, joined_at set)
       |                |      joined --start--> in_session;  joined --complete--> done
       |--leave-->left  |--leave--> left
       |--closing--> expired
    waiting / called / in_session --transfer--> waiting (in another office, new number)

Once the citizen has joined, nobody marks them a no-show or calls them again (409
`citizen_joined`); an official with a call (called, joined or in session) calls nobody else
before it is over (409 `call_in_progress`); a transfer goes only to an office that is open
and offers video now (409 `target_office_closed` / `target_video_not_offered`).

Concurrency is the database's job: the number comes from one upsert of the office's
TicketCounter row (`... SET last = last + 1 RETURNING last`), which also serialises the
joins of one office so the capacity check cannot be raced; call-next claims the oldest
servable ticket with `SELECT ... FOR UPDATE SKIP LOCKED`, so two officials never get the
same ticket and never wait for each other. Video providers talk to the network, so sessions
are opened *after* the claim has committed; if that fails the claim is undone and the ticket
is back at its old place (the order is `created_at`, which never changes).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http

from offices.models import Mode, Office, Service, StaffMember
from offices.services import presence_set
from platform_core.audit import audit
from platform_core.errors import ApiError
from platform_core.models import User
from platform_core.tenancy import local_day, local_tz
from scheduling import error_codes
from scheduling.models import Ticket, TicketCounter, hash_secret
from scheduling.queue_selectors import (
    JOINED,
    appointment_due,
    booking_url,
    call_phase,
    member_has_call,
    office_facts,
    queue_snapshot_invalidate,
    servable_filter,
)
from tenants.selectors import current_municipality
from videoconf.models import VideoSession
from videoconf.services import (
    VideoProviderError,
    video_session_end,
    video_session_guest_url,
    video_session_open,
)

logger = logging.getLogger(__name__)
S = Ticket.Status


@dataclass
class CallResult:
    ticket: Ticket
    session: VideoSession

    @property
    def host_url(self) -> str:
        return self.session.host_url


# --- helpers ---------------------------------------------------------------------------------


def _invalidate(office_id: int) -> None:
    # Now (the next read in this transaction, and tests without commits, see it) and after
    # commit (a reader may have re-filled the snapshot from pre-commit data meanwhile).
    queue_snapshot_invalidate(office_id)
    transaction.on_commit(lambda: queue_snapshot_invalidate(office_id))


def _next_number(*, office: Office, day) -> tuple[int, str]:
    """The next number of the office's day. One upsert: the counter row stays locked until
    the surrounding transaction ends, so concurrent joins of one office queue up here and a
    number is never handed out twice; a rolled-back join gives its number back."""
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (office_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (office_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [office.pk, day],
        )
        sequence = cursor.fetchone()[0]
    return sequence, f"{office.prefix}-{sequence:03d}"


def _refuse(
    message: str,
    code: str,
    *,
    office: Office,
    service: Service | None = None,
    name: str = "",
    email: str = "",
    status_code: int = http.HTTP_409_CONFLICT,
) -> None:
    raise ApiError(
        message,
        code,
        status_code,
        extra={
            "booking_url": booking_url(
                office_slug=office.slug,
                service_slug=service.slug if service else None,
                name=name,
                email=email,
            )
        },
    )


def _locked(ticket: Ticket) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("office", "service")
        .filter(pk=ticket.pk)
        .first()
    )
    if locked is None:
        raise ApiError(
            _("This ticket no longer exists."),
            error_codes.TICKET_NOT_FOUND,
            http.HTTP_404_NOT_FOUND,
        )
    return locked


def _require(ticket: Ticket, allowed: tuple[str, ...], action: str) -> None:
    """The ticket's phase (queue_selectors.call_phase: its status, or `joined`) must be one
    of `allowed`. A joined citizen refused where a merely called one would be allowed gets
    its own code: the official may not have seen yet that the citizen is there."""
    phase = call_phase(ticket)
    if phase in allowed:
        return
    if phase == JOINED and S.CALLED in allowed:
        raise ApiError(
            _(
                "%(number)s has already joined the video call: a no-show or a new call is no "
                "longer possible."
            )
            % {"number": ticket.number},
            error_codes.CITIZEN_JOINED,
            http.HTTP_409_CONFLICT,
            extra={"status": ticket.status, "phase": phase},
        )
    raise ApiError(
        _("Ticket %(number)s is “%(status)s”; this is not possible now.")
        % {"number": ticket.number, "status": Ticket.Status(ticket.status).label},
        error_codes.INVALID_TRANSITION,
        http.HTTP_409_CONFLICT,
        extra={"status": ticket.status, "phase": phase},
    )


def _require_no_other_call(member: StaffMember, *, ticket_id: int | None = None) -> None:
    """An official serves one citizen at a time. The caller holds the official's row lock
    (`_lock_member`), so two clicks of one official cannot both pass."""
    if member_has_call(member=member, exclude_ticket_id=ticket_id):
        raise ApiError(
            _("Please finish your current call first."),
            error_codes.CALL_IN_PROGRESS,
            http.HTTP_409_CONFLICT,
        )


def _lock_member(member: StaffMember) -> None:
    StaffMember.objects.select_for_update().filter(pk=member.pk).first()


def _member_of_user(user: User | None) -> StaffMember | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return StaffMember.objects.filter(user=user).first()


def require_member(user: User) -> StaffMember:
    member = _member_of_user(user)
    if member is None:
        raise ApiError(
            _("This account is not an official of an office."),
            error_codes.NOT_AN_OFFICIAL,
            http.HTTP_403_FORBIDDEN,
        )
    return member


def require_member_of_office(user: User | None, office_id: int) -> StaffMember | None:
    """Officials act only on the queues of offices they belong to (admins too: acting on a
    citizen's case needs a seat in that office). `None` is the system (tasks, webhooks)."""
    if user is None:
        return None
    member = (
        StaffMember.objects.filter(user=user)
        .annotate(
            belongs=Exists(
                StaffMember.offices.through.objects.filter(
                    staffmember_id=OuterRef("pk"), office_id=office_id
                )
            )
        )
        .first()
    )
    if member is None:
        raise ApiError(
            _("This account is not an official of an office."),
            error_codes.NOT_AN_OFFICIAL,
            http.HTTP_403_FORBIDDEN,
        )
    if not member.belongs:
        raise ApiError(
            _("You do not belong to this office."),
            error_codes.NOT_STAFF_OF_OFFICE,
            http.HTTP_403_FORBIDDEN,
        )
    member.user = user  # spare the lazy fetch
    return member


def _audit(user: User | None, action: str, ticket: Ticket, before: str, **extra) -> None:
    # No personal data in the audit trail: it outlives the retention period of tickets.
    audit(
        acting_user=user,
        action=f"ticket.{action}",
        obj=ticket,
        changes={"number": ticket.number, "status": [before, ticket.status], **extra},
    )


def _session_minutes(ticket: Ticket) -> int:
    if ticket.service is not None:
        return ticket.service.duration_minutes
    return settings.QUEUE_DEFAULT_SESSION_MINUTES


def _open_sessions(ticket_id: int) -> list[VideoSession]:
    return list(
        VideoSession.objects.filter(ticket_id=ticket_id).exclude(status=VideoSession.Status.ENDED)
    )


def _end_sessions_after_commit(ticket_id: int) -> None:
    def end() -> None:
        for session in _open_sessions(ticket_id):
            try:
                video_session_end(session=session)
            except VideoProviderError:
                # The session is marked ended locally anyway; the provider's meeting expires.
                logger.warning("ending video session %s failed", session.pk, exc_info=True)

    transaction.on_commit(end)


def _finish(
    ticket: Ticket,
    status: str,
    *,
    before: str,
    action: str,
    acting_user: User | None,
    now: datetime,
    **audit_extra,
) -> Ticket:
    """End a call in `status` (done, no-show): stamp it, audit it, and after commit end its
    video session and free the official. The caller holds the row lock."""
    ticket.status, ticket.finished_at = status, now
    ticket.save(update_fields=["status", "finished_at"])
    _audit(acting_user, action, ticket, before, **audit_extra)
    _end_sessions_after_commit(ticket.pk)
    _release_official_after_commit(ticket.official_id)
    _invalidate(ticket.office_id)
    return ticket


def _release_official_after_commit(member_id: int | None) -> None:
    """An official whose last call is over is free again (if they were busy with it)."""
    if member_id is None:
        return

    def release() -> None:
        member = StaffMember.objects.filter(pk=member_id).first()
        if member is None or member.presence != StaffMember.Presence.BUSY:
            return
        if Ticket.objects.filter(official=member, status__in=[S.CALLED, S.IN_SESSION]).exists():
            return
        presence_set(member=member, presence=StaffMember.Presence.AVAILABLE)

    transaction.on_commit(release)


# --- citizens --------------------------------------------------------------------------------


@transaction.atomic
def ticket_join(
    *,
    office: Office,
    name: str = "",
    email: str = "",
    phone: str = "",
    service: Service | None = None,
    language: str = "de",
    now: datetime | None = None,
) -> tuple[Ticket, str]:
    """Draw a number in the office's virtual waiting room; returns the ticket and its secret
    token (the citizen's only key; only its hash is stored).

    Refused with 409 and a link to the booking page when the office is closed, offers no
    video, or its waiting room is at capacity. Nothing personal is required."""
    now = now or timezone.now()
    tenant = current_municipality()
    refusal = {"office": office, "service": service, "name": name, "email": email}
    if service is not None and (service.office_id != office.pk or not service.is_active):
        raise ApiError(_("This office has no such service."), error_codes.UNKNOWN_SERVICE)
    if service is not None and not service.offers_video:
        _refuse(
            _("This service is offered in person only. Please book an appointment."),
            error_codes.SERVICE_NOT_BY_VIDEO,
            status_code=http.HTTP_400_BAD_REQUEST,
            **refusal,
        )
    if not office.video_enabled:
        _refuse(
            _("This office offers no video consultations. Please book an appointment."),
            error_codes.VIDEO_NOT_OFFERED,
            **refusal,
        )
    # Opening hours, closures and holidays come from the office's cached facts (an edit of
    # the hours takes effect within FACTS_SECONDS); whether they say "open" is exact.
    facts = office_facts(office_id=office.pk, now=now)
    if facts is None or not facts.is_open_at(now):
        _refuse(
            _("The office is closed now. Please book an appointment."),
            error_codes.OFFICE_CLOSED,
            **refusal,
        )
    sequence, number = _next_number(office=office, day=local_day(now, tenant))
    # Counted while holding the counter row: no concurrent join can slip past the limit.
    if (
        Ticket.objects.filter(office=office, status=S.WAITING).count()
        >= office.waiting_room_capacity
    ):
        _refuse(
            _("The waiting room is full. Please book an appointment."),
            error_codes.WAITING_ROOM_FULL,
            **refusal,
        )
    token = secrets.token_urlsafe(32)  # 256 bits
    ticket = Ticket.objects.create(
        office=office,
        service=service,
        day=local_day(now, tenant),
        sequence=sequence,
        number=number,
        token_hash=hash_secret(token),
        status=S.WAITING,
        mode=Mode.VIDEO,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        language=language[:8],
    )
    _audit(None, "join", ticket, "")
    _invalidate(office.pk)
    return ticket, token


@transaction.atomic
def ticket_leave(*, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The citizen leaves the waiting room (also after being called)."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    if ticket.status == S.LEFT:
        return ticket  # leaving twice is harmless
    _require(ticket, (S.WAITING, S.CALLED, JOINED), "leave")
    before, official_id = ticket.status, ticket.official_id
    ticket.status, ticket.finished_at = S.LEFT, now
    ticket.save(update_fields=["status", "finished_at"])
    _audit(None, "leave", ticket, before)
    if before == S.CALLED:
        _end_sessions_after_commit(ticket.pk)
        _release_official_after_commit(official_id)
    _invalidate(ticket.office_id)
    return ticket


def ticket_mark_joined(*, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The citizen opened the video (our join link, or the provider reports it). Changes no
    status; stops the no-show timer. Idempotent: the first moment counts."""
    now = now or timezone.now()
    Ticket.objects.filter(
        pk=ticket.pk, joined_at__isnull=True, status__in=[S.CALLED, S.IN_SESSION]
    ).update(joined_at=now)
    ticket.refresh_from_db(fields=["joined_at", "status"])
    return ticket


def ticket_guest_url(*, ticket: Ticket) -> str | None:
    """A fresh provider link for the called citizen (provider links expire), or None when
    the ticket has no open session. Raises VideoProviderError."""
    sessions = _open_sessions(ticket.pk)
    if not sessions:
        return None
    # No citizen name goes to the video provider (data minimisation): the provider shows
    # "Gast <number>" (videoconf.services.guest_display_name).
    return video_session_guest_url(session=sessions[0])


# --- officials -------------------------------------------------------------------------------


def _claim_next(*, member: StaffMember, office: Office, now: datetime) -> Ticket | None:
    """The row claim: one short transaction. SKIP LOCKED makes concurrent callers pass over a
    row another official is claiming this instant instead of waiting for it (and then
    finding it taken); PostgreSQL re-checks `status = waiting` on the locked row, so a ticket
    claimed and committed meanwhile is never returned twice."""
    with transaction.atomic():
        _lock_member(member)
        _require_no_other_call(member)
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(office=office, status=S.WAITING)
            .filter(servable_filter(member))
            .order_by("created_at", "id")
            .first()
        )
        if ticket is None:
            return None
        ticket.status, ticket.official, ticket.called_at = S.CALLED, member, now
        ticket.call_count, ticket.joined_at = ticket.call_count + 1, None
        ticket.save(update_fields=["status", "official", "called_at", "call_count", "joined_at"])
        ticket.office = office
        _audit(member.user, "call", ticket, S.WAITING)
        _invalidate(office.pk)
    return ticket


def _open_or_undo(
    *, ticket: Ticket, member: StaffMember, undo: dict, acting_user: User | None
) -> VideoSession:
    """Open the video session outside any transaction; on a provider failure put the ticket
    back as it was (`undo`: the fields before the claim) and answer 503 with the provider's
    code."""
    office = ticket.office
    title = f"{office.name} – {ticket.number}"  # no personal data goes to the provider
    try:
        return video_session_open(
            official=member, title=title, ticket=ticket, duration_minutes=_session_minutes(ticket)
        )
    except VideoProviderError as exc:
        with transaction.atomic():
            Ticket.objects.filter(pk=ticket.pk, status=S.CALLED, official=member).update(**undo)
            audit(
                acting_user=acting_user,
                action="ticket.call_failed",
                obj=ticket,
                changes={
                    "number": ticket.number,
                    "code": exc.code,
                    "tracking_id": exc.tracking_id or "",
                },
            )
            _invalidate(office.pk)
        extra = {"tracking_id": exc.tracking_id} if exc.tracking_id else {}
        raise ApiError(
            _(
                "The video service is not available: %(reason)s Nobody was lost: the ticket "
                "is back in the queue at its place."
            )
            % {"reason": exc.message},
            exc.code or error_codes.VIDEO_UNAVAILABLE,
            http.HTTP_503_SERVICE_UNAVAILABLE,
            extra=extra,
        ) from exc


def ticket_call_next(
    *, office: Office, acting_user: User, now: datetime | None = None
) -> CallResult | None:
    """Call the oldest waiting ticket of `office` the official may serve (no service named,
    or one of theirs) and open its video session. None when nobody waits.

    409 `call_in_progress` while the official has a call that is not over; 409
    `appointment_due` while an appointment of the official is due within
    QUEUE_APPOINTMENT_GUARD_MINUTES; 503 with the provider's code when the video session
    cannot be opened (the ticket keeps its place)."""
    now = now or timezone.now()
    member = require_member_of_office(acting_user, office.pk)
    due = appointment_due(member=member, now=now)
    if due is not None:
        local = timezone.localtime(due.start, local_tz())
        raise ApiError(
            _("You have an appointment at %(time)s; no new video calls before it.")
            % {"time": f"{local:%H:%M}"},
            error_codes.APPOINTMENT_DUE,
            http.HTTP_409_CONFLICT,
            extra={"appointment_start": local.isoformat()},
        )
    ticket = _claim_next(member=member, office=office, now=now)
    if ticket is None:
        return None
    session = _open_or_undo(
        ticket=ticket,
        member=member,
        acting_user=acting_user,
        undo={
            "status": S.WAITING,
            "official": None,
            "called_at": None,
            "call_count": F("call_count") - 1,
        },
    )
    _mark_busy(member, now)
    return CallResult(ticket=ticket, session=session)


def _mark_busy(member: StaffMember, now: datetime) -> None:
    """Calling a video ticket means serving video and being in a call (office status)."""
    if member.presence == StaffMember.Presence.BUSY and member.mode == Mode.VIDEO:
        member_heartbeat(member=member, now=now)
    else:
        presence_set(member=member, presence=StaffMember.Presence.BUSY, mode=Mode.VIDEO, now=now)


def ticket_recall(*, ticket: Ticket, acting_user: User, now: datetime | None = None) -> CallResult:
    """Call the citizen again: a called ticket is announced anew (the no-show timer restarts);
    a no-show of today comes back as called, with a new video session."""
    now = now or timezone.now()
    member = require_member_of_office(acting_user, ticket.office_id)
    with transaction.atomic():
        _lock_member(member)
        ticket = _locked(ticket)
        _require(ticket, (S.CALLED, S.NO_SHOW), "call again")
        _require_no_other_call(member, ticket_id=ticket.pk)
        before = ticket.status
        undo = {
            "status": before,
            "official": ticket.official,
            "called_at": ticket.called_at,
            "call_count": ticket.call_count,
            "finished_at": ticket.finished_at,
            "joined_at": ticket.joined_at,
        }
        ticket.status, ticket.official, ticket.called_at = S.CALLED, member, now
        ticket.call_count, ticket.joined_at, ticket.finished_at = ticket.call_count + 1, None, None
        ticket.save(
            update_fields=[
                "status",
                "official",
                "called_at",
                "call_count",
                "joined_at",
                "finished_at",
            ]
        )
        _audit(acting_user, "recall", ticket, before)
        _invalidate(ticket.office_id)
    sessions = _open_sessions(ticket.pk)
    session = (
        sessions[0]
        if sessions
        else _open_or_undo(ticket=ticket, member=member, acting_user=acting_user, undo=undo)
    )
    _mark_busy(member, now)
    return CallResult(ticket=ticket, session=session)


@transaction.atomic
def ticket_start(
    *, ticket: Ticket, acting_user: User | None = None, now: datetime | None = None
) -> Ticket:
    """The conversation begins: called -> in_session."""
    now = now or timezone.now()
    require_member_of_office(acting_user, ticket.office_id)
    ticket = _locked(ticket)
    if ticket.status == S.IN_SESSION:
        return ticket  # the official's click and the provider's webhook may both arrive
    _require(ticket, (S.CALLED, JOINED), "start")
    ticket.status, ticket.started_at = S.IN_SESSION, now
    ticket.joined_at = ticket.joined_at or now
    ticket.save(update_fields=["status", "started_at", "joined_at"])
    VideoSession.objects.filter(ticket=ticket, status=VideoSession.Status.OPEN).update(
        status=VideoSession.Status.LIVE, started_at=now
    )
    _audit(acting_user, "start", ticket, S.CALLED)
    _invalidate(ticket.office_id)
    return ticket


@transaction.atomic
def ticket_complete(
    *, ticket: Ticket, acting_user: User | None = None, now: datetime | None = None
) -> Ticket:
    """The conversation is over: in_session (or called and joined: the citizen is in the
    video, the official never pressed "start") -> done; the video session ends after commit
    and its length (from the start, or from the citizen joining) feeds the waiting-time
    estimate."""
    now = now or timezone.now()
    require_member_of_office(acting_user, ticket.office_id)
    ticket = _locked(ticket)
    if ticket.status == S.DONE:
        return ticket
    _require(ticket, (S.IN_SESSION, JOINED), "complete")
    before = ticket.status
    if ticket.started_at is None:
        ticket.started_at = ticket.joined_at
        ticket.save(update_fields=["started_at"])
    return _finish(
        ticket, S.DONE, before=before, action="complete", acting_user=acting_user, now=now
    )


@transaction.atomic
def ticket_no_show(
    *, ticket: Ticket, acting_user: User | None = None, now: datetime | None = None
) -> Ticket:
    """The called citizen did not come: called -> no_show. The official may call the next.
    Refused (409 `citizen_joined`) once the citizen has joined the video."""
    now = now or timezone.now()
    require_member_of_office(acting_user, ticket.office_id)
    ticket = _locked(ticket)
    _require(ticket, (S.CALLED,), "mark as no-show")
    return _finish(
        ticket, S.NO_SHOW, before=S.CALLED, action="no_show", acting_user=acting_user, now=now
    )


@transaction.atomic
def ticket_transfer(
    *, ticket: Ticket, to_office: Office, acting_user: User, now: datetime | None = None
) -> Ticket:
    """Hand the citizen on to another office: the ticket waits there under a new number of
    that office, keeping its original place in time (it has waited already), and any video
    session ends. A service of the old office does not exist in the new one and is dropped.
    Officials of the *source* office may transfer; the target's capacity does not apply.

    The target must be able to take the citizen now: 409 `target_video_not_offered` for an
    office without video consultations, 409 `target_office_closed` for one that is closed
    (hours, closure, holiday) - its waiting tickets would expire at once."""
    now = now or timezone.now()
    require_member_of_office(acting_user, ticket.office_id)
    ticket = _locked(ticket)
    if to_office.pk == ticket.office_id:
        raise ApiError(_("The ticket is already in this office."), error_codes.SAME_OFFICE)
    _require(ticket, (S.WAITING, S.CALLED, JOINED, S.IN_SESSION), "transfer")
    _require_takes_transfers(to_office, now)
    before, from_office, old_number = ticket.status, ticket.office, ticket.number
    official_id = ticket.official_id
    day = local_day(now)
    sequence, number = _next_number(office=to_office, day=day)
    ticket.office, ticket.day, ticket.sequence, ticket.number = to_office, day, sequence, number
    ticket.status, ticket.official, ticket.service = S.WAITING, None, None
    ticket.called_at = ticket.joined_at = ticket.started_at = None
    ticket.save(
        update_fields=[
            "office",
            "day",
            "sequence",
            "number",
            "status",
            "official",
            "service",
            "called_at",
            "joined_at",
            "started_at",
        ]
    )
    _audit(
        acting_user,
        "transfer",
        ticket,
        before,
        from_office=from_office.slug,
        to_office=to_office.slug,
        old_number=old_number,
    )
    if before != S.WAITING:
        _end_sessions_after_commit(ticket.pk)
        _release_official_after_commit(official_id)
    _invalidate(from_office.pk)
    _invalidate(to_office.pk)
    return ticket


def _require_takes_transfers(office: Office, now: datetime) -> None:
    facts = office_facts(office_id=office.pk, now=now)
    if not office.video_enabled or (facts is not None and not facts.video_enabled):
        raise ApiError(
            _("%(office)s offers no video consultations; the citizen cannot wait there.")
            % {"office": office.name},
            error_codes.TARGET_VIDEO_NOT_OFFERED,
            http.HTTP_409_CONFLICT,
        )
    if facts is None or not facts.is_open_at(now):
        raise ApiError(
            _("%(office)s is closed now; the citizen cannot wait there.") % {"office": office.name},
            error_codes.TARGET_OFFICE_CLOSED,
            http.HTTP_409_CONFLICT,
        )


# --- housekeeping (Celery, every minute in every municipality) -----------------------------


def tickets_expire_no_shows(*, now: datetime | None = None) -> int:
    """Called citizens who have not joined within QUEUE_NO_SHOW_MINUTES become no-shows, so
    their official is free to call the next."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.QUEUE_NO_SHOW_MINUTES)
    expired = 0
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                status=S.CALLED, joined_at__isnull=True, called_at__lt=cutoff
            )
        )
        for ticket in tickets:
            _finish(
                ticket,
                S.NO_SHOW,
                before=S.CALLED,
                action="no_show",
                acting_user=None,
                now=now,
                reason="timeout",
            )
            expired += 1
    return expired


def tickets_expire_at_closing(*, now: datetime | None = None) -> int:
    """Tickets still waiting when their office closes (or left over from an earlier day)
    expire; their page then says so and links to the booking page."""
    from offices.selectors import CLOSED, office_statuses

    now = now or timezone.now()
    tenant = current_municipality()
    office_ids = set(
        Ticket.objects.filter(status=S.WAITING).values_list("office_id", flat=True).distinct()
    )
    if not office_ids:
        return 0
    closed = {
        s.office.pk
        for s in office_statuses(tenant=tenant, now=now)
        if s.status == CLOSED and s.office.pk in office_ids
    }
    today = local_day(now, tenant)
    expired = 0
    with transaction.atomic():
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.WAITING, office_id__in=office_ids)
            .filter(Q(office_id__in=closed) | Q(day__lt=today))
        )
        for ticket in tickets:
            ticket.status, ticket.finished_at = S.EXPIRED, now
            ticket.save(update_fields=["status", "finished_at"])
            _audit(None, "expire", ticket, S.WAITING)
            expired += 1
        for office_id in {t.office_id for t in tickets}:
            _invalidate(office_id)
    return expired


def member_presence_set(
    *, acting_user: User, presence: str, mode: str | None = None
) -> StaffMember:
    """The console's presence and mode switch (a heartbeat as well)."""
    member = require_member(acting_user)
    return presence_set(member=member, presence=presence, mode=mode)


def member_heartbeat(*, member: StaffMember, now: datetime | None = None) -> None:
    """The open console keeps the official's presence fresh (a write at most once a minute,
    not on every poll), so an office does not look unstaffed while someone works it."""
    now = now or timezone.now()
    if member.last_seen_at is None or (now - member.last_seen_at).total_seconds() > 60:
        presence_set(member=member, now=now)
