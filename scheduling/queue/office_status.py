"""The live status of the offices citizens see, at a fixed number of queries however many
offices: the offices' calendar and presence (offices.selectors) plus the waiting room's
tickets.

Status (CONTRACT.md §3):
- `closed` outside the opening hours, on closure days and on public holidays of the
  municipality's state (or its own local holidays);
- `open` inside the hours when at least one official of the office is available for video
  (fresh presence: a presence not refreshed within PRESENCE_STALE_MINUTES counts as away;
  deactivated accounts never count);
- `busy` inside the hours when nobody is free: every official serving video is in a session,
  or nobody serves video right now (nobody signed in, or only for visits in person) - the
  waiting room still accepts people then.
An office without video consultations is `open` whenever its hours say so.

`availability` says which of these it is, in words a citizen can be told truthfully:
`free`, `all_busy`, `nobody_serving`, `no_video` or `closed`; `waiting_room_full` says that
nobody can draw a number now (book instead). The waiting-time estimate is
scheduling.wait_estimate.office_wait_minutes for a citizen joining now: None (no estimate)
while closed, without video, with nobody serving, or with a full waiting room.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import get_language

from offices import cache as config_cache
from offices.calendar import OfficeCalendar, current_window, next_opening
from offices.models import Office
from offices.selectors import build_calendar, holidays_around, office_presence_queryset
from scheduling.queue.models import Ticket
from scheduling.queue.wait_estimate import WaitInputs, office_wait_minutes
from tenants.models import Municipality

OPEN, BUSY, CLOSED = "open", "busy", "closed"
# availability: what `open` and `busy` mean right now (see the module docstring)
FREE, ALL_BUSY, NOBODY_SERVING, NO_VIDEO = "free", "all_busy", "nobody_serving", "no_video"
AVAILABILITIES = (FREE, ALL_BUSY, NOBODY_SERVING, NO_VIDEO, CLOSED)
HISTORY_DAYS = 7
HISTORY_SAMPLES = 20
STATUS_LIST_KEY = "offices:status-list"


@dataclass
class OfficeStatus:
    office: Office
    status: str
    availability: str
    waiting_count: int
    waiting_room_full: bool
    estimated_wait_minutes: int | None
    next_opening: datetime | None
    open_until: datetime | None
    free_officials: int
    serving_officials: int
    # The estimate's inputs while the waiting room is open (None: closed or no video).
    wait_inputs: WaitInputs | None
    calendar: OfficeCalendar = field(repr=False)

    @property
    def waiting_room_open(self) -> bool:
        """Open and offering video: the waiting room takes citizens (space permitting)."""
        return self.wait_inputs is not None

    @property
    def can_join(self) -> bool:
        """Whether a citizen can draw a number now."""
        return self.waiting_room_open and not self.waiting_room_full


def _ticket_count(status: str) -> Coalesce:
    qs = (
        Ticket.objects.filter(office=OuterRef("pk"), status=status)
        .values("office")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(qs[:1], output_field=IntegerField()), 0)


def office_queryset(*, now: datetime, with_services: bool = False) -> QuerySet[Office]:
    return office_presence_queryset(now=now, with_services=with_services).annotate(
        waiting=_ticket_count(Ticket.Status.WAITING)
    )


def _recent_durations(now: datetime, office_ids: list[int]) -> dict[int, tuple[float, ...]]:
    """Minutes of the latest HISTORY_SAMPLES finished video sessions per office, oldest first
    (one query; the database picks each office's newest)."""
    rows = (
        Ticket.objects.filter(
            office_id__in=office_ids,
            status=Ticket.Status.DONE,
            started_at__isnull=False,
            finished_at__gte=now - timedelta(days=HISTORY_DAYS),
        )
        .annotate(
            newest=Window(
                RowNumber(), partition_by=[F("office_id")], order_by=F("finished_at").desc()
            )
        )
        .filter(newest__lte=HISTORY_SAMPLES)
        .order_by("office_id", "finished_at")
        .values_list("office_id", "started_at", "finished_at")
    )
    out: dict[int, list[float]] = defaultdict(list)
    for office_id, started, finished in rows:
        if started is None or finished is None:  # excluded by the query; for the type
            continue
        out[office_id].append((finished - started).total_seconds() / 60)
    return {office_id: tuple(minutes) for office_id, minutes in out.items()}


def office_statuses(
    *,
    tenant: Municipality,
    now: datetime | None = None,
    slug: str | None = None,
    with_services: bool = False,
) -> list[OfficeStatus]:
    now = now or timezone.now()
    qs = office_queryset(now=now, with_services=with_services)
    if slug is not None:
        qs = qs.filter(slug=slug)
    offices = list(qs)
    if not offices:
        return []
    holidays = holidays_around(state=tenant.state, now=now)
    history = _recent_durations(now, [o.pk for o in offices])
    return [
        _status_of(o, tenant=tenant, now=now, holidays=holidays, history=history.get(o.pk, ()))
        for o in offices
    ]


def _status_of(
    office: Any,
    *,
    tenant: Municipality,
    now: datetime,
    holidays: frozenset[date],
    history: tuple[float, ...],
) -> OfficeStatus:
    calendar = build_calendar(office, tz_name=tenant.time_zone, holidays=holidays)
    window = current_window(now, calendar)
    if window is None:
        status, availability = CLOSED, CLOSED
    elif not office.video_enabled:
        status, availability = OPEN, NO_VIDEO
    elif office.free_video > 0:
        status, availability = OPEN, FREE
    elif office.serving_video > 0:
        status, availability = BUSY, ALL_BUSY
    else:
        status, availability = BUSY, NOBODY_SERVING
    inputs = None
    if availability not in (CLOSED, NO_VIDEO):
        inputs = WaitInputs(
            history=history,
            serving=office.serving_video,
            free=office.free_video,
            default_minutes=office.video_minutes or float(settings.QUEUE_DEFAULT_SESSION_MINUTES),
        )
    full = office.video_enabled and office.waiting >= office.waiting_room_capacity
    return OfficeStatus(
        office=office,
        status=status,
        availability=availability,
        waiting_count=office.waiting,
        waiting_room_full=full,
        # For a citizen who joins now: everyone waiting is ahead. Nobody can join a full room.
        estimated_wait_minutes=None if full else office_wait_minutes(inputs, office.waiting),
        next_opening=next_opening(now, calendar, horizon_days=366),
        open_until=window[1] if window else None,
        free_officials=office.free_video,
        serving_officials=office.serving_video,
        wait_inputs=inputs,
        calendar=calendar,
    )


def office_status_get(
    *, tenant: Municipality, slug: str, now: datetime | None = None, with_services: bool = True
) -> OfficeStatus | None:
    found = office_statuses(tenant=tenant, now=now, slug=slug, with_services=with_services)
    return found[0] if found else None


def status_list_cached(compute: Callable[[], list[Any]]) -> list[Any]:
    """The office list as serialised for `GET /api/offices/` (per language), for at most
    OFFICE_STATUS_CACHE_SECONDS (presence goes stale and hours begin and end without writes),
    and never across a configuration change (offices.cache's generation)."""
    return config_cache.cached(  # type: ignore[no-any-return]
        f"{STATUS_LIST_KEY}:{get_language()}", compute, settings.OFFICE_STATUS_CACHE_SECONDS
    )
