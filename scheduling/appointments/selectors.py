"""Reads of appointment booking: the Django layer around the pure slot engine.

`booking_context()` loads what the engine needs for one office, service and date range in
five queries (windows, closures, local holidays, officials, busy time), however many
officials and bookings, and hands it over as `slot_engine` dataclasses:

- **opening hours, closures, holidays**: `offices.selectors.build_calendar` with the
  municipality's time zone and the state's public holidays plus its local holidays;
- **officials**: the office's active staff members who serve the service
  (`StaffMember.services`). Every official serves both modes — there is no per-official
  mode field; what a citizen can book is decided by the service (`offers_video`,
  `offers_in_person`) and the office (`video_enabled`). The `mode` on StaffMember is the
  live presence of the waiting room and says nothing about next week;
- **busy time**: every appointment and blocked time of those officials in a holding status
  (`Appointment.HOLDING`), in *any* office (an official serving two offices is one
  person), as `[start, blocked_until)` — `blocked_until` already includes the buffer;
- **rules**: the service's duration, `BOOKING_BUFFER_MINUTES`, the grid step
  `BOOKING_SLOT_STEP_MINUTES`, the office's `min_lead_minutes` and `booking_horizon_days`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.utils import timezone

from offices.holidays import holiday_dates
from offices.models import Closure, LocalHoliday, Mode, Office, Service, StaffMember
from offices.selectors import build_calendar
from scheduling.appointments import slot_engine
from scheduling.appointments.models import Appointment, AppointmentMail, hash_secret
from videoconf.models import VideoSession
from videoconf.selectors import (
    subjects_with_open_session,
    video_session_open_for,
    video_sessions_open,
)

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class BookingContext:
    office: Office
    service: Service
    tz: ZoneInfo
    calendar: slot_engine.OfficeCalendar
    officials: tuple[slot_engine.Official, ...]
    rules: slot_engine.SlotRules
    modes: tuple[str, ...]

    def free_slots(
        self, *, date_from: date, date_to: date, now: datetime, mode: str | None = None
    ) -> list[slot_engine.Slot]:
        if mode is not None and mode not in self.modes:
            return []
        query = slot_engine.SlotQuery(date_from=date_from, date_to=date_to, now=now, mode=mode)
        return slot_engine.free_slots(self.calendar, self.officials, self.rules, query)

    def find_slot(self, *, start: datetime, mode: str, now: datetime) -> slot_engine.Slot | None:
        if mode not in self.modes:
            return None
        return slot_engine.find_slot(start, mode, self.calendar, self.officials, self.rules, now)

    def without_busy_time(self) -> BookingContext:
        """The same office as if nobody had booked anything: tells "taken" from "never
        offered"."""
        idle = tuple(slot_engine.Official(id=o.id, modes=o.modes) for o in self.officials)
        return BookingContext(
            office=self.office,
            service=self.service,
            tz=self.tz,
            calendar=self.calendar,
            officials=idle,
            rules=self.rules,
            modes=self.modes,
        )


def offered_modes(office: Office, service: Service) -> tuple[str, ...]:
    """Modes a citizen can book for this service here, in display order (in person first)."""
    modes = [m for m in service.modes if m != Mode.VIDEO or office.video_enabled]
    return tuple(str(m) for m in modes)


def booking_rules(office: Office, service: Service) -> slot_engine.SlotRules:
    return slot_engine.SlotRules(
        duration_minutes=service.duration_minutes,
        buffer_minutes=settings.BOOKING_BUFFER_MINUTES,
        step_minutes=settings.BOOKING_SLOT_STEP_MINUTES,
        lead_minutes=office.min_lead_minutes,
        horizon_days=office.booking_horizon_days,
    )


def office_for_booking(slug: str) -> Office | None:
    return Office.objects.filter(slug=slug).first()


def bookable_services(office: Office) -> list[Service]:
    """Active services of the office that can be booked in at least one mode."""
    return [s for s in office.services.filter(is_active=True) if offered_modes(office, s)]


def service_for_booking(office: Office, slug: str | None) -> Service | None:
    """The named active service of the office; without a slug the first bookable one."""
    if slug:
        return office.services.filter(slug=slug, is_active=True).first()
    services = bookable_services(office)
    return services[0] if services else None


def local_day_bounds(day_from: date, day_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC-comparable instants from local midnight of `day_from` to the end of `day_to`."""
    return (
        datetime.combine(day_from, time(), tzinfo=tz),
        datetime.combine(day_to + timedelta(days=1), time(), tzinfo=tz),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EpochMicros(Func):
    """Whole microseconds since the epoch, computed by PostgreSQL: turning hundreds of
    timestamptz values into aware datetimes in the driver costs several times the query."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def busy_intervals(
    official_ids: list[int], *, since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Holding appointments and blocked time of these officials overlapping the span, as
    UTC `(start, blocked_until)` per official (one query)."""
    rows = (
        Appointment.objects.filter(
            official_id__in=official_ids,
            status__in=Appointment.HOLDING,
            start__lt=until,
            blocked_until__gt=since,
        )
        .order_by()
        .annotate(
            start_us=EpochMicros("start"),
            until_us=EpochMicros("blocked_until"),
        )
        .values_list("official_id", "start_us", "until_us")
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for official_id, start_us, until_us in rows:
        busy[official_id].append(
            (_EPOCH + timedelta(microseconds=start_us), _EPOCH + timedelta(microseconds=until_us))
        )
    return busy


def booking_context(
    *, tenant, office: Office, service: Service, date_from: date, date_to: date
) -> BookingContext:
    """Everything the slot engine needs to list or check slots of `service` between two
    local dates (inclusive). Five small queries, however many officials and bookings."""
    tz = ZoneInfo(tenant.time_zone)
    # A private copy: the caller's instance keeps its own (unfiltered) prefetch caches.
    office = copy.copy(office)
    office._prefetched_objects_cache = {}
    prefetch_related_objects(
        [office],
        "opening_windows",
        Prefetch(
            "closures",
            queryset=Closure.objects.filter(start_date__lte=date_to, end_date__gte=date_from),
        ),
    )
    years = range(date_from.year, date_to.year + 1)
    local = LocalHoliday.objects.filter(date__gte=date_from, date__lte=date_to).values_list(
        "date", flat=True
    )
    calendar = build_calendar(
        office, tz_name=tenant.time_zone, holidays=holiday_dates(tenant.state, years, local)
    )
    modes = offered_modes(office, service)
    ids = list(
        StaffMember.objects.filter(offices=office, services=service, user__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    officials: tuple[slot_engine.Official, ...] = ()
    if ids and modes:
        # A day of margin on both sides: buffers and the load of pick_official's local day.
        since, until = local_day_bounds(
            date_from - timedelta(days=1), date_to + timedelta(days=1), tz
        )
        busy = busy_intervals(ids, since=since, until=until)
        officials = tuple(
            slot_engine.Official(id=pk, modes=frozenset(modes), busy=tuple(busy.get(pk, ())))
            for pk in ids
        )
    return BookingContext(
        office=office,
        service=service,
        tz=tz,
        calendar=calendar,
        officials=officials,
        rules=booking_rules(office, service),
        modes=modes,
    )


def free_slots(
    *,
    tenant,
    office: Office,
    service: Service,
    date_from: date,
    date_to: date,
    mode: str | None = None,
    now: datetime | None = None,
) -> list[slot_engine.Slot]:
    """Free slots of a service, sorted by start, one per (start, mode)."""
    now = now or timezone.now()
    ctx = booking_context(
        tenant=tenant, office=office, service=service, date_from=date_from, date_to=date_to
    )
    return ctx.free_slots(date_from=date_from, date_to=date_to, now=now, mode=mode)


def earliest_free_day(
    *,
    tenant,
    office: Office,
    service: Service,
    mode: str | None = None,
    now: datetime | None = None,
) -> date | None:
    """The first local date with a free slot within the horizon (at most MAX_RANGE_DAYS)."""
    now = now or timezone.now()
    today = timezone.localtime(now, ZoneInfo(tenant.time_zone)).date()
    last = today + timedelta(days=min(MAX_RANGE_DAYS, office.booking_horizon_days))
    slots = free_slots(
        tenant=tenant,
        office=office,
        service=service,
        date_from=today,
        date_to=last,
        mode=mode,
        now=now,
    )
    return slots[0].start.date() if slots else None


def slots_by_day(slots: list[slot_engine.Slot]) -> list[tuple[date, list[slot_engine.Slot]]]:
    """Slots grouped by their local date, in order (for the pages)."""
    days: dict[date, list[slot_engine.Slot]] = {}
    for slot in slots:
        days.setdefault(slot.start.date(), []).append(slot)
    return list(days.items())


# --- appointments ---------------------------------------------------------------------------


def appointment_by_token(*, reference: str, token: str) -> Appointment | None:
    """The citizen's appointment, only with its manage token; None for a wrong token as for
    an unknown reference (nothing tells the two apart)."""
    if not reference or not token or len(reference) > 16 or len(token) > 200:
        return None
    return (
        Appointment.objects.select_related("office", "service")
        .filter(
            kind=Appointment.Kind.APPOINTMENT,
            reference=reference,
            manage_token_hash=hash_secret(token),
        )
        .first()
    )


def appointment_by_reference(reference: str) -> Appointment | None:
    return (
        Appointment.objects.select_related("office", "service", "official__user")
        .filter(kind=Appointment.Kind.APPOINTMENT, reference=reference)
        .first()
    )


def active_bookings_count(*, office: Office, email: str, now: datetime) -> int:
    return Appointment.objects.filter(
        office=office,
        kind=Appointment.Kind.APPOINTMENT,
        email__iexact=email,
        status=Appointment.Status.BOOKED,
        start__gt=now,
    ).count()


def reschedule_count(reference: str) -> int:
    """How often an appointment was moved: its earlier rows are archived as `<ref>.<n>`."""
    return Appointment.objects.filter(reference__startswith=f"{reference}.").count()


def open_video_session(appointment: Appointment) -> VideoSession | None:
    """The appointment's video session that has not ended, if the beat task opened one."""
    return video_session_open_for(subject_kind=Appointment.VIDEO_SUBJECT, subject_id=appointment.pk)


def staff_offices(user) -> QuerySet[Office]:
    """Offices whose day plan a user may see: admins all, staff their own."""
    if user.role == "admin":
        return Office.objects.all()
    return Office.objects.filter(staff__user=user)


def with_mail_failed(rows: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate `mail_failed`: the kind of the last mail to the citizen about the appointment
    if it finally failed - the citizen was not reached - else None. A later mail that went
    out did reach them; one still being retried does not count yet."""
    last_finished = (
        AppointmentMail.objects.filter(appointment=OuterRef("pk"))
        .exclude(status=AppointmentMail.Status.PENDING)
        .order_by("-created_at", "-pk")
        .annotate(
            failed_kind=Case(
                When(status=AppointmentMail.Status.FAILED, then=F("kind")),
                default=None,
                output_field=CharField(),
            )
        )
    )
    return rows.annotate(mail_failed=Subquery(last_finished.values("failed_kind")[:1]))


def day_plan_appointments(
    *, offices: QuerySet[Office] | list[Office], day: date, tz: ZoneInfo
) -> list[Appointment]:
    """The local day's appointments and blocked time of these offices, in-person and video
    mixed, ordered by start, each with `mail_failed` (see `with_mail_failed`). Cancelled rows
    are left out unless the citizen never got the cancellation (staff must tell them);
    no-shows and done stay."""
    since, until = local_day_bounds(day, day, tz)
    rows = (
        with_mail_failed(
            Appointment.objects.filter(office__in=offices, start__lt=until, end__gt=since)
        )
        .filter(
            ~Q(status=Appointment.Status.CANCELLED)
            | Q(mail_failed=AppointmentMail.Kind.CANCELLATION)
        )
        .select_related("office", "service", "official__user")
        .order_by("start", "official_id", "pk")
    )
    return list(rows)


def session_by_appointment(appointments: list[Appointment]) -> dict[int, VideoSession]:
    """Open video sessions of these appointments by appointment id (one query)."""
    sessions = video_sessions_open(
        subject_kind=Appointment.VIDEO_SUBJECT, subject_ids=[a.pk for a in appointments]
    )
    return {s.subject_id: s for s in sessions if s.subject_id is not None}


def day_plan(
    *, user, day: date, tz: ZoneInfo, office_slug: str | None = None
) -> list[tuple[Appointment, object | None]]:
    """The user's day plan: appointments and blocked time of their offices (all offices for
    an admin) on the local `day`, each with its open video session (or None), by time."""
    offices = staff_offices(user)
    if office_slug:
        offices = offices.filter(slug=office_slug)
    rows = day_plan_appointments(offices=offices, day=day, tz=tz)
    sessions = session_by_appointment(rows)
    return [(a, sessions.get(a.pk)) for a in rows]


def appointments_needing_video(*, now: datetime, lead_minutes: int) -> QuerySet[Appointment]:
    """Booked video appointments that start within `lead_minutes` (or already started and
    are not over) and have no session that is still open."""
    has_session = Q(pk__in=subjects_with_open_session(subject_kind=Appointment.VIDEO_SUBJECT))
    return (
        Appointment.objects.filter(
            kind=Appointment.Kind.APPOINTMENT,
            mode=Mode.VIDEO,
            status=Appointment.Status.BOOKED,
            start__lte=now + timedelta(minutes=lead_minutes),
            end__gt=now,
        )
        .exclude(has_session)
        .select_related("official__user", "office")
        .order_by("start")
    )
