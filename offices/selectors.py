"""Reads: offices with their live status, at a fixed number of queries however many offices.

Status (CONTRACT.md §3):
- `closed` outside the opening hours, on closure days and on public holidays of the
  municipality's state (or its own local holidays);
- `open` inside the hours when at least one official of the office is available for video
  (fresh presence: a presence not refreshed within PRESENCE_STALE_MINUTES counts as away);
- `busy` inside the hours when nobody is free: every official is in a session, or none is
  signed in yet — the waiting room still accepts people then.
An office without video consultations is `open` whenever its hours say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from offices.holidays import holiday_dates
from offices.models import Closure, LocalHoliday, Mode, Office, StaffMember
from scheduling import slot_engine
from scheduling.wait_estimate import estimate_wait_minutes

OPEN, BUSY, CLOSED = "open", "busy", "closed"
HISTORY_DAYS = 7
HISTORY_SAMPLES = 20


def presence_cutoff(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.PRESENCE_STALE_MINUTES)


@dataclass
class OfficeStatus:
    office: Office
    status: str
    waiting_count: int
    estimated_wait_minutes: int | None
    next_opening: datetime | None
    open_until: datetime | None
    free_officials: int
    serving_officials: int
    calendar: slot_engine.OfficeCalendar = field(repr=False)


def _staff_count(**filters) -> Coalesce:
    # One row per office via GROUP BY on the through table, counted in a subquery so that
    # the several counts never multiply each other's joins.
    qs = (
        StaffMember.objects.filter(offices=OuterRef("pk"), **filters)
        .values("offices")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(qs[:1], output_field=IntegerField()), 0)


def _ticket_count(status: str) -> Coalesce:
    from scheduling.models import Ticket

    qs = (
        Ticket.objects.filter(office=OuterRef("pk"), status=status)
        .values("office")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(qs[:1], output_field=IntegerField()), 0)


def office_queryset(*, now: datetime, with_services: bool = False) -> QuerySet[Office]:
    cutoff = presence_cutoff(now)
    today = timezone.localdate(now)
    qs = Office.objects.annotate(
        free_video=_staff_count(
            presence=StaffMember.Presence.AVAILABLE, mode=Mode.VIDEO, last_seen_at__gte=cutoff
        ),
        serving_video=_staff_count(
            presence__in=[StaffMember.Presence.AVAILABLE, StaffMember.Presence.BUSY],
            mode=Mode.VIDEO,
            last_seen_at__gte=cutoff,
        ),
        waiting=_ticket_count("waiting"),
    ).prefetch_related(
        "opening_windows",
        Prefetch("closures", queryset=Closure.objects.filter(end_date__gte=today - timedelta(1))),
    )
    if with_services:
        qs = qs.prefetch_related("services")
    return qs


def _recent_durations(now: datetime) -> dict[int, list[float]]:
    """Minutes of the latest finished video sessions per office, newest first (one query)."""
    from scheduling.models import Ticket

    rows = (
        Ticket.objects.filter(
            status=Ticket.Status.DONE,
            started_at__isnull=False,
            finished_at__gte=now - timedelta(days=HISTORY_DAYS),
        )
        .order_by("office_id", "-finished_at")
        .values_list("office_id", "started_at", "finished_at")
    )
    out: dict[int, list[float]] = defaultdict(list)
    for office_id, started, finished in rows:
        if len(out[office_id]) < HISTORY_SAMPLES:
            out[office_id].append((finished - started).total_seconds() / 60)
    return out


def _holidays(tenant, now: datetime) -> frozenset[date]:
    years = {now.year, now.year + 1}
    local = LocalHoliday.objects.filter(date__year__in=years).values_list("date", flat=True)
    return holiday_dates(tenant.state, years, local)


def build_calendar(
    office: Office, *, tz_name: str, holidays: frozenset[date]
) -> slot_engine.OfficeCalendar:
    return slot_engine.OfficeCalendar.build(
        tz_name,
        [(w.weekday, w.start, w.end) for w in office.opening_windows.all()],
        [(c.start_date, c.end_date) for c in office.closures.all()],
        holidays,
    )


def _default_duration(office: Office) -> float:
    services = [
        s
        for s in getattr(office, "_prefetched_objects_cache", {}).get("services", [])
        if s.offers_video
    ]
    if services:
        return sum(s.duration_minutes for s in services) / len(services)
    return float(settings.QUEUE_DEFAULT_SESSION_MINUTES)


def office_statuses(
    *, tenant, now: datetime | None = None, slug: str | None = None, with_services: bool = False
) -> list[OfficeStatus]:
    now = now or timezone.now()
    qs = office_queryset(now=now, with_services=with_services)
    if slug is not None:
        qs = qs.filter(slug=slug)
    offices = list(qs)
    if not offices:
        return []
    holidays = _holidays(tenant, now)
    history = _recent_durations(now)
    return [
        _status_of(o, tenant=tenant, now=now, holidays=holidays, history=history.get(o.pk, []))
        for o in offices
    ]


def _status_of(
    office: Office, *, tenant, now: datetime, holidays: frozenset[date], history: list[float]
) -> OfficeStatus:
    calendar = build_calendar(office, tz_name=tenant.time_zone, holidays=holidays)
    window = slot_engine.current_window(now, calendar)
    if window is None:
        status = CLOSED
    elif not office.video_enabled or office.free_video > 0:
        status = OPEN
    else:
        status = BUSY
    estimate = None
    if status != CLOSED and office.video_enabled:
        estimate = estimate_wait_minutes(
            history,
            officials_serving=office.serving_video,
            people_ahead=office.waiting,
            default_minutes=_default_duration(office),
            officials_free=office.free_video,
        )
    return OfficeStatus(
        office=office,
        status=status,
        waiting_count=office.waiting,
        estimated_wait_minutes=estimate,
        next_opening=slot_engine.next_opening(now, calendar, horizon_days=366),
        open_until=window[1] if window else None,
        free_officials=office.free_video,
        serving_officials=office.serving_video,
        calendar=calendar,
    )


def office_status_get(
    *, tenant, slug: str, now: datetime | None = None, with_services: bool = True
) -> OfficeStatus | None:
    found = office_statuses(tenant=tenant, now=now, slug=slug, with_services=with_services)
    return found[0] if found else None


def staff_member_of(user) -> StaffMember | None:
    return StaffMember.objects.filter(user=user).prefetch_related("offices").first()
