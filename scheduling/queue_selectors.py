"""Reads of the virtual waiting room: a citizen's position and wait, an office's queue, the
official's guard against calling video tickets right before an appointment.

The citizen's status endpoint is polled by every waiting citizen every two seconds, so it must
be cheap. Everything the citizens of one office share - the order of the waiting tickets and
the inputs of the waiting-time estimate - is a *snapshot* per office in the cache, under
tenant-aware keys (the cache's KEY_FUNCTION is `django_tenants.cache.make_key`, so office 3
of one municipality never meets office 3 of another). Every write to an office's queue
deletes its order (right away and again after commit), so a citizen's position normally moves
on the very next poll; the order's short lifetime (`QUEUE_SNAPSHOT_SECONDS`, default 1 s)
bounds staleness when the cache is per process (no shared Redis) or when a reader re-filled
it from data read just before a commit. The office's facts (status, calendar, estimate
inputs) are derived from its configuration and belong to offices.cache's configuration
generation: any configuration write (hours, closures, holidays, capacity, video, services,
staff, presence) makes them unusable at once. A status request then costs one indexed query
(the ticket by its token hash) plus one cache read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from offices import cache as config_cache
from offices.models import Office, Service, StaffMember
from platform_core.tenancy import local_day, local_day_bounds, local_tz
from scheduling import slot_engine
from scheduling.models import Appointment, Ticket, hash_secret
from scheduling.wait_estimate import WaitInputs, office_wait_minutes
from tenants.selectors import current_municipality

MAX_TOKEN_LENGTH = 100
ACTIVE = (Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.IN_SESSION)
FINAL = (Ticket.Status.DONE, Ticket.Status.LEFT, Ticket.Status.EXPIRED, Ticket.Status.NO_SHOW)
# A called citizen who has opened the video: no longer a possible no-show, ready to be served.
JOINED = "joined"


def call_phase(ticket: Ticket) -> str:
    """Where a ticket really is: its status, except that a called ticket whose citizen has
    joined the video is `joined`. The console's buttons and the services' transition rules
    both follow it (called: start, call again, no-show; joined: start, done; in session:
    done)."""
    if ticket.status == Ticket.Status.CALLED and ticket.joined_at is not None:
        return JOINED
    return ticket.status


def booking_url(
    *, office_slug: str, service_slug: str | None = None, name: str = "", email: str = ""
) -> str:
    """The office's booking page, prefilled with what the citizen already told us."""
    params = {k: v for k, v in (("service", service_slug), ("name", name), ("email", email)) if v}
    query = f"?{urlencode(params)}" if params else ""
    return f"/offices/{office_slug}/book/{query}"


def join_path(token: str) -> str:
    return f"/queue/{token}/join/"


# --- the per-office snapshot ----------------------------------------------------------------
#
# Two cache entries per office, read together with the configuration generation (one round
# trip):
# * the *order* - ids of the waiting tickets, oldest first: one index scan to build, deleted
#   on every write to the queue, lives QUEUE_SNAPSHOT_SECONDS;
# * the *facts* - office status, calendar, the estimate's inputs: several queries and a
#   holiday calendar to build, not touched by queue writes (an estimate a few seconds old is
#   fine), unusable after any configuration write (offices.cache), lives FACTS_SECONDS at most
#   (presence goes stale and hours begin and end without any write).

FACTS_SECONDS = 10


@dataclass(frozen=True)
class OfficeFacts:
    office_slug: str
    office_name: str
    office_status: str  # open, busy or closed (offices.selectors)
    video_enabled: bool
    open_until: datetime | None
    wait_inputs: WaitInputs | None  # None while closed or without video
    calendar: slot_engine.OfficeCalendar  # hours, closures, holidays: "open at t?"

    def is_open_at(self, moment: datetime) -> bool:
        return slot_engine.current_window(moment, self.calendar) is not None


@dataclass(frozen=True)
class QueueSnapshot:
    office_id: int
    facts: OfficeFacts
    positions: dict[int, int] = field(compare=False)  # waiting ticket id -> people ahead

    @property
    def office_slug(self) -> str:
        return self.facts.office_slug

    @property
    def office_name(self) -> str:
        return self.facts.office_name

    @property
    def office_status(self) -> str:
        return self.facts.office_status

    def people_ahead(self, ticket_id: int) -> int | None:
        return self.positions.get(ticket_id)

    def estimate(self, people_ahead: int) -> int | None:
        """Minutes until the citizen with `people_ahead` people before them is called: the
        same rule and inputs as the office list and page (scheduling/wait_estimate.py)."""
        return office_wait_minutes(self.facts.wait_inputs, people_ahead)


def _order_key(office_id: int) -> str:
    return f"queue:order:{office_id}"


def _facts_key(office_id: int) -> str:
    return f"queue:facts:{office_id}"


def queue_snapshot_invalidate(office_id: int) -> None:
    cache.delete(_order_key(office_id))


def _build_facts(office_id: int, now: datetime) -> OfficeFacts | None:
    from offices.selectors import office_status_get

    slug = Office.objects.filter(pk=office_id).values_list("slug", flat=True).first()
    if slug is None:
        return None
    # Status, presence counts, calendar and estimate inputs come from the offices app, as on
    # the office list and page.
    found = office_status_get(
        tenant=current_municipality(), slug=slug, now=now, with_services=False
    )
    if found is None:
        return None
    return OfficeFacts(
        office_slug=found.office.slug,
        office_name=found.office.name,
        office_status=found.status,
        video_enabled=found.office.video_enabled,
        open_until=found.open_until,
        wait_inputs=found.wait_inputs,
        calendar=found.calendar,
    )


def _build_order(office_id: int) -> dict[int, int]:
    """Waiting ticket id -> number of people ahead (the line is ordered by drawing time)."""
    ids = (
        Ticket.objects.filter(office_id=office_id, status=Ticket.Status.WAITING)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )
    return {ticket_id: index for index, ticket_id in enumerate(ids)}


def _facts(office_id: int, entry, generation: str, now: datetime | None) -> OfficeFacts | None:
    facts = config_cache.current(entry, generation)
    if facts is None:
        facts = _build_facts(office_id, now or timezone.now())
        if facts is not None:
            config_cache.store(_facts_key(office_id), facts, generation, FACTS_SECONDS)
    return facts


def office_facts(*, office_id: int, now: datetime | None = None) -> OfficeFacts | None:
    """The office's status, calendar and estimate inputs (cached; see above)."""
    key = _facts_key(office_id)
    found, generation = config_cache.read([key])
    return _facts(office_id, found.get(key), generation, now)


def queue_snapshot(
    *, office_id: int, now: datetime | None = None, fresh: bool = False
) -> QueueSnapshot | None:
    """The office's waiting line and estimate inputs, from the cache where possible
    (`fresh` rebuilds the line)."""
    order_key, facts_key = _order_key(office_id), _facts_key(office_id)
    cached, generation = config_cache.read([order_key, facts_key])
    facts = _facts(office_id, cached.get(facts_key), generation, now)
    if facts is None:
        return None
    order = None if fresh else cached.get(order_key)
    if order is None:
        order = _build_order(office_id)
        cache.set(order_key, order, settings.QUEUE_SNAPSHOT_SECONDS)
    return QueueSnapshot(office_id=office_id, facts=facts, positions=order)


# --- citizens ---------------------------------------------------------------------------------


def ticket_by_token(token: str, *, for_update: bool = False) -> Ticket | None:
    """The ticket whose secret is `token` (only its hash is stored), or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    qs = Ticket.objects.select_related("office", "service")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(token_hash=hash_secret(token)).first()


def _status_row(token_hash: str) -> tuple | None:
    """The polled query, in SQL: the ORM would spend three times the database's own time
    compiling it, on every poll of every citizen."""
    ticket, service = Ticket._meta.db_table, Service._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.office_id, t.number, t.status, s.name, s.slug, t.name, t.email, "  # noqa: S608 - table names from the models
            f"t.called_at FROM {ticket} t LEFT JOIN {service} s ON s.id = t.service_id "
            "WHERE t.token_hash = %s",
            [token_hash],
        )
        return cursor.fetchone()


def ticket_status(*, token: str, now: datetime | None = None) -> dict | None:
    """What a citizen sees about their own ticket (CONTRACT.md §3), or None for an unknown
    token. Never anything of another citizen: only counts of the people ahead."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = _status_row(hash_secret(token))
    if found is None:
        return None
    keys = (
        "id",
        "office_id",
        "number",
        "status",
        "service__name",
        "service__slug",
        "name",
        "email",
        "called_at",
    )
    row = dict(zip(keys, found, strict=True))
    snapshot = queue_snapshot(office_id=row["office_id"], now=now)
    if snapshot is None:
        return None
    status = row["status"]
    people_ahead = snapshot.people_ahead(row["id"]) if status == Ticket.Status.WAITING else None
    if status == Ticket.Status.WAITING and people_ahead is None:
        # Joined after the snapshot was taken (its invalidation not yet visible): rebuild.
        snapshot = queue_snapshot(office_id=row["office_id"], now=now, fresh=True)
        people_ahead = snapshot.people_ahead(row["id"]) if snapshot else None
        if people_ahead is None:
            people_ahead = len(snapshot.positions) if snapshot else 0
    if status == Ticket.Status.WAITING:
        estimate = snapshot.estimate(people_ahead)
    elif status in (Ticket.Status.CALLED, Ticket.Status.IN_SESSION):
        estimate = 0
    else:
        estimate = None
    return {
        "number": row["number"],
        "office": snapshot.office_slug,
        "office_name": snapshot.office_name,
        "office_status": snapshot.office_status,
        "service": row["service__name"],
        "status": status,
        "position": people_ahead + 1 if people_ahead is not None else None,
        "people_ahead": people_ahead,
        "estimated_wait_minutes": estimate,
        "join_url": join_path(token)
        if status in (Ticket.Status.CALLED, Ticket.Status.IN_SESSION)
        else None,
        "booking_url": booking_url(
            office_slug=snapshot.office_slug,
            service_slug=row["service__slug"],
            name=row["name"],
            email=row["email"],
        ),
        "called_at": (
            row["called_at"].astimezone(local_tz()).isoformat() if row["called_at"] else None
        ),
    }


# --- officials -------------------------------------------------------------------------------


def staff_member_for(user) -> StaffMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        StaffMember.objects.select_related("user")
        .prefetch_related("offices")
        .filter(user=user)
        .first()
    )


def offices_visible_to(*, user, member: StaffMember | None) -> list[Office]:
    """Officials see the offices they belong to; municipal admins see every office."""
    if getattr(user, "role", "") == "admin":
        return list(Office.objects.all())
    return list(member.offices.all()) if member is not None else []


def member_belongs_to(member: StaffMember | None, office_id: int) -> bool:
    return member is not None and member.offices.filter(pk=office_id).exists()


def appointment_due(*, member: StaffMember, now: datetime | None = None) -> Appointment | None:
    """The official's appointment (or blocked time) that starts within
    QUEUE_APPOINTMENT_GUARD_MINUTES or is running now. While there is one, the official is
    not offered new video tickets: a queue call would run into it. The issue names in-person
    appointments; a video appointment or a block collides just the same, so all count."""
    now = now or timezone.now()
    guard = timedelta(minutes=settings.QUEUE_APPOINTMENT_GUARD_MINUTES)
    return (
        Appointment.objects.filter(
            official=member,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.IN_SESSION],
            start__lt=now + guard,
            end__gt=now,
        )
        .order_by("start")
        .first()
    )


def office_queue(*, office: Office) -> dict[str, list[Ticket]]:
    """The office's waiting line (oldest first) and the tickets being handled now."""
    tickets = list(
        Ticket.objects.filter(office=office, status__in=ACTIVE)
        .select_related("service", "official__user")
        .order_by("created_at", "id")
    )
    return {
        "waiting": [t for t in tickets if t.status == Ticket.Status.WAITING],
        "active": [t for t in tickets if t.status != Ticket.Status.WAITING],
    }


def member_active_tickets(*, member: StaffMember) -> list[Ticket]:
    """The official's called and running tickets, each with `host_url`, the official's link
    into its open video session ("" when there is none)."""
    from videoconf.models import VideoSession

    tickets = list(
        Ticket.objects.filter(
            official=member, status__in=[Ticket.Status.CALLED, Ticket.Status.IN_SESSION]
        )
        .select_related("office", "service", "official__user")
        .order_by("called_at")
    )
    sessions = {
        s.ticket_id: s
        for s in VideoSession.objects.filter(ticket__in=tickets)
        .exclude(status=VideoSession.Status.ENDED)
        .order_by("created_at")
    }
    for ticket in tickets:
        session = sessions.get(ticket.pk)
        ticket.host_url = session.host_url if session else ""
        ticket.phase = call_phase(ticket)
    return tickets


def member_has_call(*, member: StaffMember, exclude_ticket_id: int | None = None) -> bool:
    """Whether the official is busy with a call (called, joined or in session)."""
    qs = Ticket.objects.filter(
        official=member, status__in=[Ticket.Status.CALLED, Ticket.Status.IN_SESSION]
    )
    if exclude_ticket_id is not None:
        qs = qs.exclude(pk=exclude_ticket_id)
    return qs.exists()


def recent_no_shows(*, member: StaffMember, now: datetime | None = None) -> list[Ticket]:
    """Today's no-shows of this official, so they can call them again."""
    now = now or timezone.now()
    start, _end = local_day_bounds(local_day(now))
    return list(
        Ticket.objects.filter(official=member, status=Ticket.Status.NO_SHOW, finished_at__gte=start)
        .select_related("office", "service")
        .order_by("-finished_at")[:10]
    )


def servable_filter(member: StaffMember) -> Q:
    """Tickets this official may take: no service named, or a service they serve."""
    return Q(service__isnull=True) | Q(service__in=member.services.values("pk"))
