"""Writes of appointment booking. Each is one transaction; mails, video calls and other side
effects run on commit, so nothing goes out for a write that rolled back.

Double booking is impossible in the database itself: the exclusion constraint
`appointment_no_double_booking` lets only one holding row per official overlap a time
span. Services never check-then-write: they ask the slot engine which official to try, insert,
and treat the constraint's refusal as "slot taken".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from offices.models import Office, Service, StaffMember
from platform_core import tenancy
from platform_core.audit import audit
from platform_core.errors import ApiError
from platform_core.models import User
from scheduling import booking_error_codes as codes
from scheduling import booking_mail, slot_engine
from scheduling.booking_selectors import (
    BookingContext,
    active_bookings_count,
    appointments_needing_video,
    booking_context,
    offered_modes,
    open_video_session,
    reschedule_count,
)
from scheduling.models import Appointment, AppointmentMail, hash_secret

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: references are read out on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8
DOUBLE_BOOKING_CONSTRAINT = "appointment_no_double_booking"
LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Citizen:
    name: str
    email: str
    phone: str = ""
    language: str = "de"


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    manage_token: str  # shown once; only its hash is stored


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def new_manage_token() -> str:
    return secrets.token_urlsafe(24)


def normalise_language(code: str | None) -> str:
    code = (code or "").lower()[:2]
    return code if code in LANGUAGES else "de"


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _slot_taken() -> ApiError:
    return ApiError(
        _("This time has just been booked by someone else; please choose another."),
        codes.SLOT_TAKEN,
        status.HTTP_409_CONFLICT,
    )


def _is_double_booking(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == DOUBLE_BOOKING_CONSTRAINT


def _advisory_key(*parts: object) -> int:
    """A signed 64-bit key for pg advisory locks; the schema keeps municipalities apart."""
    raw = "|".join([tenancy.current_schema(), *map(str, parts)]).encode()
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big", signed=True)


def citizen_validate(citizen: Citizen) -> Citizen:
    """The citizen's details cleaned (e-mail lower-cased), or field errors for all at once."""
    errors: dict[str, ValidationError] = {}
    name = (citizen.name or "").strip()
    email = (citizen.email or "").strip().lower()
    phone = (citizen.phone or "").strip()
    if not name:
        errors["name"] = ValidationError(_("Please enter your name."), code="required")
    elif len(name) > 100:
        errors["name"] = ValidationError(_("At most 100 characters."), code="max_length")
    if not email:
        errors["email"] = ValidationError(_("Please enter your e-mail address."), code="required")
    else:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors["email"] = ValidationError(_("Enter a valid e-mail address."), code="invalid")
        if len(email) > 254:
            errors["email"] = ValidationError(_("At most 254 characters."), code="max_length")
    if len(phone) > 40:
        errors["phone"] = ValidationError(_("At most 40 characters."), code="max_length")
    elif phone and not all(c.isdigit() or c in " +-/()." for c in phone):
        errors["phone"] = ValidationError(_("Digits, spaces and + - / ( ) only."), code="invalid")
    if errors:
        raise ValidationError(errors)
    return Citizen(
        name=name, email=email, phone=phone, language=normalise_language(citizen.language)
    )


def _validate_mode(office: Office, service: Service, mode: str) -> None:
    if service.office_id != office.pk or not service.is_active:
        raise _field_error("service", _("Unknown service for this office."), codes.UNKNOWN_SERVICE)
    if mode not in offered_modes(office, service):
        raise _field_error(
            "mode", _("This service cannot be booked in this mode here."), codes.MODE_NOT_OFFERED
        )


def _slot_or_error(
    *, tenant, office: Office, service: Service, start: datetime, mode: str, now: datetime
) -> tuple[BookingContext, slot_engine.Slot]:
    """The engine's slot at `start`, or the reason there is none: a 400 for a start that is
    never offered (past, too soon, beyond the horizon, off the grid, closed), a 409 when it
    is offered but every official serving it is busy."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise _field_error(
            "start", _("Give the start with its UTC offset."), codes.START_NEEDS_OFFSET
        )
    day = start.astimezone(UTC).date()  # the context spans the local day either way
    ctx = booking_context(
        tenant=tenant,
        office=office,
        service=service,
        date_from=day - timedelta(days=1),
        date_to=day + timedelta(days=1),
    )
    slot = ctx.find_slot(start=start, mode=mode, now=now)
    if slot is not None:
        return ctx, slot
    if start <= now:
        raise _field_error("start", _("This time is in the past."), codes.START_IN_PAST)
    if start < now + timedelta(minutes=office.min_lead_minutes):
        raise _field_error("start", _("This time is too soon to be booked online."), codes.TOO_SOON)
    local_now = now.astimezone(ctx.tz).replace(tzinfo=None)
    if start.astimezone(ctx.tz).replace(tzinfo=None) > local_now + timedelta(
        days=office.booking_horizon_days
    ):
        raise _field_error(
            "start", _("This time is too far ahead to be booked yet."), codes.BEYOND_HORIZON
        )
    if not slot_engine.is_on_grid(start, ctx.calendar, ctx.rules.step_minutes):
        raise _field_error(
            "start", _("Appointments start only at the times offered."), codes.OFF_GRID
        )
    if ctx.without_busy_time().find_slot(start=start, mode=mode, now=now) is None:
        raise _field_error(
            "start", _("No appointments are offered at this time."), codes.NOT_OFFERED
        )
    raise _slot_taken()


def _lock_official(official_id: object) -> None:
    """Take the official's booking lock for the rest of the (sub)transaction.

    Without it, two transactions inserting overlapping rows for one official can each find
    the other's uncommitted row while PostgreSQL checks the exclusion constraint, and wait
    for each other: a deadlock, which PostgreSQL breaks after `deadlock_timeout` by failing
    one of them (a 500). It happens whenever a refused insert rolls back while others queue
    behind it: they all recheck at once and find each other. Under this lock one insert per
    official runs at a time; the next waits for the lock, then meets the committed row and
    is refused cleanly. Taken inside the attempt's savepoint, the lock goes with a refused
    attempt, so a booking never holds one official while it waits for another."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key("official", official_id)])


def _insert(
    ctx: BookingContext, slot: slot_engine.Slot, *, mode: str, reference: str | None, **fields
) -> Appointment:
    """Insert the appointment for the least loaded free official of the slot. If the
    constraint refuses it (someone was faster), try the next official of the slot, and so on;
    when every one is taken, 409 slot_taken."""
    tried: set[object] = set()
    while True:
        candidates = [o for o in ctx.officials if o.id in slot.official_ids and o.id not in tried]
        official_id = slot_engine.pick_official(
            slot.start, slot.end, mode, candidates, ctx.rules.buffer_minutes, tz=ctx.tz
        )
        if official_id is None:
            break
        tried.add(official_id)
        for _ref_attempt in range(3):
            try:
                with transaction.atomic():  # a savepoint: a refusal leaves the outer one usable
                    _lock_official(official_id)
                    return Appointment.objects.create(
                        kind=Appointment.Kind.APPOINTMENT,
                        reference=reference or new_reference(),
                        office=ctx.office,
                        service=ctx.service,
                        official_id=official_id,
                        mode=mode,
                        start=slot.start,
                        end=slot.end,
                        blocked_until=slot.end + ctx.rules.buffer,
                        **fields,
                    )
            except IntegrityError as exc:
                if _is_double_booking(exc):
                    break
                if reference is None:  # a clash of random references: draw again
                    continue
                raise
    raise _slot_taken()


@transaction.atomic
def appointment_book(
    *,
    tenant,
    office: Office,
    service: Service,
    start: datetime,
    mode: str,
    citizen: Citizen,
    now: datetime | None = None,
) -> BookingResult:
    """Book a free slot for a citizen.

    Rules: the start must be a slot the engine offers now (grid, hours, closures, holidays,
    lead time, horizon); an official serving the service is assigned (least loaded first);
    at most BOOKING_MAX_ACTIVE_PER_EMAIL upcoming bookings per e-mail and office (409
    booking_limit); the database refuses a double booking (409 slot_taken). The confirmation
    mail with the .ics and the manage link goes out on commit."""
    now = now or timezone.now()
    citizen = citizen_validate(citizen)
    _validate_mode(office, service, mode)
    # Serialise bookings of one e-mail at one office, so the limit holds under concurrency.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [_advisory_key("booking", office.pk, citizen.email)]
        )
    if (
        active_bookings_count(office=office, email=citizen.email, now=now)
        >= settings.BOOKING_MAX_ACTIVE_PER_EMAIL
    ):
        raise ApiError(
            _("You already have the maximum number of upcoming appointments here."),
            codes.BOOKING_LIMIT,
            status.HTTP_409_CONFLICT,
            extra={"limit": settings.BOOKING_MAX_ACTIVE_PER_EMAIL},
        )
    ctx, slot = _slot_or_error(
        tenant=tenant, office=office, service=service, start=start, mode=mode, now=now
    )
    token = new_manage_token()
    appointment = _insert(
        ctx,
        slot,
        mode=mode,
        reference=None,
        name=citizen.name,
        email=citizen.email,
        phone=citizen.phone,
        language=citizen.language,
        manage_token_hash=hash_secret(token),
    )
    audit(
        acting_user=None,
        action="appointment.book",
        obj=appointment,
        changes={
            "reference": appointment.reference,
            "office": office.slug,
            "service": service.slug,
            "start": appointment.start,
            "mode": mode,
            "official": appointment.official_id,
        },
    )
    appointment_mail_queue(
        appointment=appointment, kind=AppointmentMail.Kind.CONFIRMATION, manage_token=token
    )
    return BookingResult(appointment=appointment, manage_token=token)


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("office", "service")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_reschedule(
    *,
    tenant,
    appointment: Appointment,
    start: datetime,
    mode: str | None = None,
    manage_token: str = "",
    acting_user: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move an upcoming appointment to another free slot, atomically: the new slot is taken
    (a new row, checked by the exclusion constraint) before the old one is released (the old
    row is cancelled); if the new slot is gone nothing changes.

    The citizen keeps the reference and the manage link: the old row is archived as
    `<reference>.<n>` and the new row takes the reference over, so the calendar entry
    (UID from the reference) is updated in place with SEQUENCE n. The old appointment's time
    counts as busy while the new one is looked for, so with a single official a move to an
    overlapping time is refused."""
    now = now or timezone.now()
    old = _locked(appointment)
    if (
        old.kind != Appointment.Kind.APPOINTMENT
        or old.status != Appointment.Status.BOOKED
        or old.start <= now
    ):
        raise ApiError(
            _("Only upcoming booked appointments can be moved."),
            codes.NOT_RESCHEDULABLE,
            status.HTTP_409_CONFLICT,
        )
    mode = mode or old.mode
    office, service = old.office, old.service
    _validate_mode(office, service, mode)
    ctx, slot = _slot_or_error(
        tenant=tenant, office=office, service=service, start=start, mode=mode, now=now
    )
    sequence = reschedule_count(old.reference) + 1
    reference = old.reference
    Appointment.objects.filter(pk=old.pk).update(reference=f"{reference}.{sequence}")
    new = _insert(
        ctx,
        slot,
        mode=mode,
        reference=reference,
        name=old.name,
        email=old.email,
        phone=old.phone,
        language=old.language,
        note=old.note,
        manage_token_hash=old.manage_token_hash,
    )
    Appointment.objects.filter(pk=old.pk).update(
        status=Appointment.Status.CANCELLED, cancelled_at=now
    )
    audit(
        acting_user=acting_user,
        action="appointment.reschedule",
        obj=new,
        changes={
            "reference": reference,
            "start": [old.start, new.start],
            "mode": [old.mode, new.mode],
            "official": [old.official_id, new.official_id],
            "replaces": old.pk,
        },
    )
    appointment_mail_queue(
        appointment=new, kind=AppointmentMail.Kind.RESCHEDULED, manage_token=manage_token
    )
    _end_video_sessions_on_commit(appointment_id=old.pk)
    return new


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    acting_user: User | None = None,
    message: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Cancel a booked appointment; idempotent for one that is already cancelled.

    A citizen (no acting user) may cancel until the start; staff (an acting user) any
    booked appointment, optionally with a message that goes into the cancellation mail."""
    now = now or timezone.now()
    row = _locked(appointment)
    if row.kind != Appointment.Kind.APPOINTMENT:
        raise ApiError(
            _("Blocked time is not an appointment."),
            codes.NOT_CANCELLABLE,
            status.HTTP_409_CONFLICT,
        )
    if row.status == Appointment.Status.CANCELLED:
        return row
    if row.status != Appointment.Status.BOOKED or (acting_user is None and row.start <= now):
        raise ApiError(
            _("This appointment can no longer be cancelled."),
            codes.NOT_CANCELLABLE,
            status.HTTP_409_CONFLICT,
        )
    message = (message or "").strip()
    if len(message) > 500:
        raise _field_error("message", _("At most 500 characters."), "max_length")
    row.status = Appointment.Status.CANCELLED
    row.cancelled_at = now
    row.save(update_fields=["status", "cancelled_at"])
    audit(
        acting_user=acting_user,
        action="appointment.cancel",
        obj=row,
        changes={
            "reference": row.reference,
            "by": "staff" if acting_user else "citizen",
            "with_message": bool(message),
        },
    )
    appointment_mail_queue(appointment=row, kind=AppointmentMail.Kind.CANCELLATION, message=message)
    _end_video_sessions_on_commit(appointment_id=row.pk)
    return row


@transaction.atomic
def appointment_mark_no_show(
    *, appointment: Appointment, acting_user: User, now: datetime | None = None
) -> Appointment:
    """The citizen did not come. Only for a booked appointment that has started."""
    now = now or timezone.now()
    row = _locked(appointment)
    if row.kind != Appointment.Kind.APPOINTMENT or row.status not in (
        Appointment.Status.BOOKED,
        Appointment.Status.NO_SHOW,
    ):
        raise ApiError(
            _("Only a booked appointment can be marked as a no-show."),
            codes.NOT_CANCELLABLE,
            status.HTTP_409_CONFLICT,
        )
    if row.start > now:
        raise ApiError(
            _("The appointment has not started yet."), codes.NOT_STARTED, status.HTTP_409_CONFLICT
        )
    if row.status != Appointment.Status.NO_SHOW:
        row.status = Appointment.Status.NO_SHOW
        row.save(update_fields=["status"])
        audit(
            acting_user=acting_user,
            action="appointment.no_show",
            obj=row,
            changes={"reference": row.reference},
        )
    return row


@transaction.atomic
def appointment_block(
    *,
    official: StaffMember,
    start: datetime,
    end: datetime,
    reason: str,
    acting_user: User | None,
    office: Office | None = None,
) -> Appointment:
    """Block an official's time (leave, meetings): an Appointment of kind `block` that holds
    the official like an appointment. Refused with 409 block_overlaps when the official
    already has an appointment or a block then - cancel or move that first."""
    errors: dict[str, ValidationError] = {}
    if start.tzinfo is None or end.tzinfo is None:
        errors["start"] = ValidationError(
            _("Give times with their UTC offset."), code=codes.START_NEEDS_OFFSET
        )
    elif end <= start:
        errors["end"] = ValidationError(
            _("The end must be after the start."), code=codes.END_NOT_AFTER_START
        )
    elif end - start > timedelta(days=366):
        errors["end"] = ValidationError(_("At most one year at a time."), code="max_length")
    if len(reason or "") > 500:
        errors["reason"] = ValidationError(_("At most 500 characters."), code="max_length")
    office = office or official.offices.order_by("order", "name").first()
    if office is None:
        errors["official"] = ValidationError(
            _("This official belongs to no office."), code=codes.UNKNOWN_OFFICIAL
        )
    if errors:
        raise ValidationError(errors)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                _lock_official(official.pk)
                block = Appointment.objects.create(
                    kind=Appointment.Kind.BLOCK,
                    reference=new_reference(),
                    office=office,
                    official=official,
                    start=start,
                    end=end,
                    blocked_until=end,
                    note=(reason or "").strip(),
                )
            break
        except IntegrityError as exc:
            if _is_double_booking(exc):
                raise ApiError(
                    _("The official has appointments or blocked time then."),
                    codes.BLOCK_OVERLAPS,
                    status.HTTP_409_CONFLICT,
                ) from exc
    else:  # pragma: no cover - three reference clashes in a row
        raise ApiError(_("Please try again."), "retry", status.HTTP_409_CONFLICT)
    audit(
        acting_user=acting_user,
        action="appointment.block",
        obj=block,
        changes={"official": official.pk, "start": start, "end": end, "reason": block.note},
    )
    return block


# --- periodic work (Celery beat, in every municipality) ---------------------------------------


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """Claim and send the reminders of appointments starting within BOOKING_REMINDER_HOURS.

    Exactly once, even when two runs overlap: rows are claimed with FOR UPDATE SKIP LOCKED
    and marked (`reminder_sent_at`) in the same transaction, so a concurrent run skips them
    and a later run no longer sees them; mails go out after the commit. Appointments booked
    inside the window got their confirmation just now and get no reminder."""
    now = now or timezone.now()
    window = timedelta(hours=settings.BOOKING_REMINDER_HOURS)
    with transaction.atomic():
        claimed = list(
            Appointment.objects.select_for_update(skip_locked=True)
            .filter(
                kind=Appointment.Kind.APPOINTMENT,
                status=Appointment.Status.BOOKED,
                reminder_sent_at__isnull=True,
                start__gt=now,
                start__lte=now + window,
            )
            .exclude(email="")
            .values_list("pk", "start", "created_at")
        )
        # Booked inside the window: the confirmation is reminder enough.
        ids = [pk for pk, start, created in claimed if created <= start - window]
        skipped = [pk for pk, start, created in claimed if created > start - window]
        Appointment.objects.filter(pk__in=ids + skipped, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        for appointment in Appointment.objects.filter(pk__in=ids):
            appointment_mail_queue(appointment=appointment, kind=AppointmentMail.Kind.REMINDER)
    return len(ids)


def appointment_video_sessions_open(*, now: datetime | None = None) -> int:
    """Open the video meetings of appointments that start within BOOKING_VIDEO_OPEN_MINUTES.

    Runs outside any transaction (providers talk to the network); one run at a time per
    municipality (a session-level advisory lock) so no appointment gets two meetings. A
    provider error is logged and the appointment is tried again on the next run."""
    from videoconf.services import VideoProviderError, video_session_open

    now = now or timezone.now()
    key = _advisory_key("appointment-video-open")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return 0
    opened = 0
    try:
        for appointment in appointments_needing_video(
            now=now, lead_minutes=settings.BOOKING_VIDEO_OPEN_MINUTES
        ):
            minutes = max(1, int((appointment.end - appointment.start).total_seconds() // 60))
            try:
                video_session_open(
                    official=appointment.official,
                    title=f"Videotermin {appointment.reference}",
                    duration_minutes=minutes,
                    appointment=appointment,
                )
                opened += 1
            except VideoProviderError as exc:
                logger.warning(
                    "video meeting for appointment %s not opened (%s: %s); retrying next run",
                    appointment.pk,
                    exc.code,
                    exc.message,
                )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return opened


JOINABLE = (Appointment.Status.BOOKED, Appointment.Status.IN_SESSION)


def appointment_guest_join_url(*, appointment: Appointment) -> str | None:
    """A fresh join link for the citizen (provider links expire), or None while the meeting
    is not open yet. The provider shows the citizen as "Gast <reference>", never by name."""
    from videoconf.services import video_session_guest_url, video_session_mark_guest_joined

    if appointment.mode != "video" or appointment.status not in JOINABLE:
        return None
    session = open_video_session(appointment)
    if session is None:
        return None
    url = video_session_guest_url(session=session)
    video_session_mark_guest_joined(session=session)
    return url


def _end_video_sessions_on_commit(*, appointment_id: int) -> None:
    # A named function, not a partial: on_commit's `robust` error handler needs __qualname__.
    def end() -> None:
        _end_video_sessions(appointment_id=appointment_id)

    transaction.on_commit(end, robust=True)


def _end_video_sessions(*, appointment_id: int) -> None:
    from videoconf.models import VideoSession
    from videoconf.services import VideoProviderError, video_session_end

    for session in VideoSession.objects.filter(appointment_id=appointment_id).exclude(
        status=VideoSession.Status.ENDED
    ):
        try:
            video_session_end(session=session)
        except VideoProviderError as exc:
            logger.warning("video meeting %s not ended: %s", session.pk, exc.message)


# --- mails to the citizen ---------------------------------------------------------------------


def appointment_mail_queue(
    *, appointment: Appointment, kind: str, manage_token: str = "", message: str = ""
) -> AppointmentMail | None:
    """Record a mail to the citizen and, once the write commits, hand it to the mail task.

    Mail never decides the answer to a committed write: the task sends it later, retries a
    failing mail server with exponential backoff and records the outcome; when it finally
    fails the staff's day plan says the citizen was not reached. The raw manage token (the
    database has only its hash) and an admin's message travel in the task's arguments.
    If the task cannot even be queued (broker down), the mail counts as failed at once."""
    if not appointment.email:
        return None
    record = AppointmentMail.objects.create(appointment=appointment, kind=kind)
    schema = tenancy.current_schema()  # delay_on_commit would take the schema at commit time

    def enqueue() -> None:
        from scheduling.booking_tasks import send_appointment_mail

        try:
            send_appointment_mail.apply_async(
                kwargs={"mail_id": record.pk, "manage_token": manage_token, "message": message},
                headers={"_schema_name": schema},
            )
        except Exception as exc:
            logger.exception("appointment mail %s could not be queued", record.pk)
            appointment_mail_failed(mail_id=record.pk, error=exc)

    transaction.on_commit(enqueue, robust=True)
    return record


def appointment_mail_deliver(*, mail_id: int, manage_token: str = "", message: str = "") -> bool:
    """One attempt at sending a recorded mail, counted in `attempts`. True when it went out
    now; False when there is nothing (more) to send (already sent or given up, or nobody to
    write to). The mail server's error propagates, the record stays pending for a retry."""
    with transaction.atomic():
        record = AppointmentMail.objects.select_for_update().filter(pk=mail_id).first()
        if record is None or record.status != AppointmentMail.Status.PENDING:
            return False
        record.attempts += 1
        record.save(update_fields=["attempts"])
    try:
        sent = booking_mail.send(
            appointment_id=record.appointment_id,
            kind=record.kind,
            manage_token=manage_token,
            message=message,
        )
    except Exception as exc:
        AppointmentMail.objects.filter(pk=mail_id).update(error=booking_mail.describe_error(exc))
        raise
    AppointmentMail.objects.filter(pk=mail_id).update(
        status=AppointmentMail.Status.SENT if sent else AppointmentMail.Status.FAILED,
        error="" if sent else "no recipient",
        finished_at=timezone.now(),
    )
    return sent


def appointment_mail_failed(*, mail_id: int, error: BaseException) -> None:
    """Give up on a mail: it stays `failed`, and the day plan shows that the citizen was not
    reached (staff call them instead)."""
    AppointmentMail.objects.filter(pk=mail_id, status=AppointmentMail.Status.PENDING).update(
        status=AppointmentMail.Status.FAILED,
        error=booking_mail.describe_error(error),
        finished_at=timezone.now(),
    )
    logger.warning(
        "appointment mail %s failed for good (%s)", mail_id, booking_mail.describe_error(error)
    )
