"""Writes of the offices app. Each is one transaction and leaves an audit row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from offices import error_codes
from offices.cache import invalidates_office_config, office_config_changed
from offices.models import Closure, LocalHoliday, Mode, Office, OpeningWindow, Service, StaffMember
from platform_core.audit import audit, diff
from platform_core.errors import ApiError
from platform_core.models import User
from platform_core.services import user_create
from tenants.validators import validate_admin_email

# After a successful write, nothing cached from the old configuration is used (offices.cache).
invalidates_statuses = invalidates_office_config


# The office fields an admin may set, in the order the API shows them.
OFFICE_FIELDS = (
    "slug",
    "name",
    "description",
    "address",
    "contact_email",
    "contact_phone",
    "languages",
    "video_enabled",
    "waiting_room_capacity",
    "booking_horizon_days",
    "min_lead_minutes",
    "ticket_prefix",
    "order",
)
SERVICE_FIELDS = {
    "slug",
    "name",
    "description",
    "duration_minutes",
    "offers_in_person",
    "offers_video",
    "what_to_bring",
    "order",
    "is_active",
}


def _save(instance, *, unique_code: str, unique_field: str) -> None:
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent writer took the slug between check and save
        raise ValidationError(
            {unique_field: ValidationError(_("Already taken."), code=unique_code)}
        ) from exc


@transaction.atomic
@invalidates_statuses
def office_create(*, acting_user: User | None, **fields: Any) -> Office:
    if Office.objects.filter(slug=fields.get("slug")).exists():
        raise ValidationError(
            {
                "slug": ValidationError(
                    _("An office with this slug exists."), code=error_codes.OFFICE_SLUG_TAKEN
                )
            }
        )
    office = Office(**{k: v for k, v in fields.items() if k in OFFICE_FIELDS})
    _save(office, unique_code=error_codes.OFFICE_SLUG_TAKEN, unique_field="slug")
    audit(
        acting_user=acting_user,
        action="office.create",
        obj=office,
        changes={k: fields[k] for k in fields if k in OFFICE_FIELDS},
    )
    return office


@transaction.atomic
@invalidates_statuses
def office_update(*, office: Office, acting_user: User | None, **fields: Any) -> Office:
    values = {k: v for k, v in fields.items() if k in OFFICE_FIELDS}
    if (
        "slug" in values
        and values["slug"] != office.slug
        and Office.objects.filter(slug=values["slug"]).exists()
    ):
        raise ValidationError(
            {
                "slug": ValidationError(
                    _("An office with this slug exists."), code=error_codes.OFFICE_SLUG_TAKEN
                )
            }
        )
    changes = diff(office, values)
    for key, value in values.items():
        setattr(office, key, value)
    _save(office, unique_code=error_codes.OFFICE_SLUG_TAKEN, unique_field="slug")
    if changes:
        audit(acting_user=acting_user, action="office.update", obj=office, changes=changes)
    return office


def office_dependents(*, office: Office) -> dict[str, int]:
    """What keeps an office from being deleted: its appointments and blocked times (in any
    state: they are the citizens' and the municipality's history), its waiting-room tickets
    and the officials assigned to it. Counts, only the non-zero ones."""
    counts = {
        "appointments": office.appointments.count(),
        "tickets": office.tickets.count(),
        "officials": office.staff.count(),
    }
    return {name: n for name, n in counts.items() if n}


def _office_in_use(office: Office, dependents: dict[str, int]) -> ApiError:
    return ApiError(
        _(
            "The office “%(name)s” cannot be deleted while appointments, waiting-room "
            "tickets or officials belong to it (appointments: %(appointments)d, tickets: "
            "%(tickets)d, officials: %(officials)d). Assign its officials to other offices; "
            "an office with a history can be closed instead."
        )
        % {"name": office.name, "appointments": 0, "tickets": 0, "officials": 0, **dependents},
        error_codes.OFFICE_IN_USE,
        status.HTTP_409_CONFLICT,
        extra={"dependents": dependents},
    )


@transaction.atomic
@invalidates_statuses
def office_delete(*, office: Office, acting_user: User | None) -> None:
    """Delete an office nothing depends on (see office_dependents); its own configuration
    (opening hours, closures, services nobody booked) goes with it. Otherwise 409 and
    nothing is deleted. Foreign keys are checked at commit: a ticket or booking committed
    after the count below needs a share lock on this row, so the row lock makes it wait and
    then fail (the office is gone) instead of being cascaded away with the office."""
    locked = Office.objects.select_for_update().get(pk=office.pk)
    dependents = office_dependents(office=locked)
    if dependents:
        raise _office_in_use(locked, dependents)
    audit(
        acting_user=acting_user,
        action="office.delete",
        obj=locked,
        changes={"slug": locked.slug, "name": locked.name},
    )
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:  # a protected reference the counts above do not know
        raise _office_in_use(locked, office_dependents(office=locked)) from exc


def validate_week(windows: Sequence[dict[str, Any]]) -> list[tuple[int, time, time]]:
    """Weekday 0–6, start before end, no two windows of a weekday overlapping. All errors
    are reported at once, keyed by the window's index in the list."""
    errors: dict[str, list[ValidationError]] = {}
    parsed: list[tuple[int, time, time, int]] = []
    for index, window in enumerate(windows):
        key = f"{index}"
        weekday, start, end = window.get("weekday"), window.get("start"), window.get("end")
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors.setdefault(key, []).append(
                ValidationError(
                    _("weekday must be 0 (Monday) to 6 (Sunday)."),
                    code=error_codes.WEEKDAY_OUT_OF_RANGE,
                )
            )
            continue
        if start >= end:
            errors.setdefault(key, []).append(
                ValidationError(
                    _("start must be before end."), code=error_codes.WINDOW_START_NOT_BEFORE_END
                )
            )
            continue
        parsed.append((weekday, start, end, index))
    parsed.sort()
    for (day_a, _s_a, end_a, _i_a), (day_b, start_b, _e_b, index_b) in pairwise(parsed):
        if day_a == day_b and start_b < end_a:
            errors.setdefault(f"{index_b}", []).append(
                ValidationError(
                    _("This window overlaps another one on the same weekday."),
                    code=error_codes.WINDOW_OVERLAP,
                )
            )
    if errors:
        raise ValidationError(errors)
    return [(d, s, e) for d, s, e, _ in parsed]


@transaction.atomic
@invalidates_statuses
def opening_hours_replace(
    *, office: Office, windows: Sequence[dict[str, Any]], acting_user: User | None
) -> list[OpeningWindow]:
    """Replace the whole week at once (local wall-clock times of the municipality)."""
    week = validate_week(windows)
    before = [f"{w.weekday} {w.start:%H:%M}-{w.end:%H:%M}" for w in office.opening_windows.all()]
    Office.objects.select_for_update().filter(pk=office.pk).first()  # serialise replacements
    office.opening_windows.all().delete()
    created = OpeningWindow.objects.bulk_create(
        OpeningWindow(office=office, weekday=d, start=s, end=e) for d, s, e in week
    )
    after = [f"{d} {s:%H:%M}-{e:%H:%M}" for d, s, e in week]
    if before != after:
        audit(
            acting_user=acting_user,
            action="office.opening_hours",
            obj=office,
            changes={"opening_hours": [before, after]},
        )
    return created


def _closure_check(start_date, end_date) -> None:
    if start_date > end_date:
        raise ValidationError(
            {
                "end_date": ValidationError(
                    _("The closure ends before it starts."),
                    code=error_codes.CLOSURE_END_BEFORE_START,
                )
            }
        )


@transaction.atomic
@invalidates_statuses
def closure_create(
    *, office: Office, start_date, end_date, reason: str = "", acting_user: User | None
) -> Closure:
    _closure_check(start_date, end_date)
    closure = Closure.objects.create(
        office=office, start_date=start_date, end_date=end_date, reason=reason
    )
    audit(
        acting_user=acting_user,
        action="closure.create",
        obj=closure,
        changes={
            "office": office.slug,
            "start_date": start_date,
            "end_date": end_date,
            "reason": reason,
        },
    )
    return closure


@transaction.atomic
@invalidates_statuses
def closure_update(*, closure: Closure, acting_user: User | None, **fields: Any) -> Closure:
    values = {k: v for k, v in fields.items() if k in {"start_date", "end_date", "reason"}}
    _closure_check(
        values.get("start_date", closure.start_date), values.get("end_date", closure.end_date)
    )
    changes = diff(closure, values)
    for key, value in values.items():
        setattr(closure, key, value)
    closure.save()
    if changes:
        audit(acting_user=acting_user, action="closure.update", obj=closure, changes=changes)
    return closure


@transaction.atomic
@invalidates_statuses
def closure_delete(*, closure: Closure, acting_user: User | None) -> None:
    audit(
        acting_user=acting_user,
        action="closure.delete",
        obj=closure,
        changes={"start_date": closure.start_date, "end_date": closure.end_date},
    )
    closure.delete()


def _service_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in fields.items() if k in SERVICE_FIELDS}
    if "modes" in fields:
        modes = set(fields["modes"])
        values["offers_in_person"] = Mode.IN_PERSON in modes
        values["offers_video"] = Mode.VIDEO in modes
    return values


def _service_check(service: Service) -> None:
    if not (service.offers_in_person or service.offers_video):
        raise ValidationError(
            {
                "modes": ValidationError(
                    _("A service is offered in person, by video, or both."),
                    code=error_codes.SERVICE_NEEDS_A_MODE,
                )
            }
        )
    clash = Service.objects.filter(office=service.office, slug=service.slug).exclude(pk=service.pk)
    if clash.exists():
        raise ValidationError(
            {
                "slug": ValidationError(
                    _("This office has a service with this slug."),
                    code=error_codes.SERVICE_SLUG_TAKEN,
                )
            }
        )


@transaction.atomic
@invalidates_statuses
def service_create(*, office: Office, acting_user: User | None, **fields: Any) -> Service:
    service = Service(office=office, **_service_values(fields))
    _service_check(service)
    _save(service, unique_code=error_codes.SERVICE_SLUG_TAKEN, unique_field="slug")
    audit(
        acting_user=acting_user,
        action="service.create",
        obj=service,
        changes={"office": office.slug, **_service_values(fields)},
    )
    return service


@transaction.atomic
@invalidates_statuses
def service_update(*, service: Service, acting_user: User | None, **fields: Any) -> Service:
    values = _service_values(fields)
    if "office" in fields and fields["office"] is not None:
        values["office"] = fields["office"]
    changes = diff(service, values)
    for key, value in values.items():
        setattr(service, key, value)
    _service_check(service)
    _save(service, unique_code=error_codes.SERVICE_SLUG_TAKEN, unique_field="slug")
    if changes:
        audit(acting_user=acting_user, action="service.update", obj=service, changes=changes)
    return service


@transaction.atomic
@invalidates_statuses
def service_delete(*, service: Service, acting_user: User | None) -> None:
    audit(
        acting_user=acting_user,
        action="service.delete",
        obj=service,
        changes={"slug": service.slug},
    )
    service.is_active = False  # appointments keep pointing at it; citizens no longer see it
    service.save(update_fields=["is_active"])


@transaction.atomic
@invalidates_statuses
def local_holiday_set(*, date, name: str, acting_user: User | None) -> LocalHoliday:
    holiday, _created = LocalHoliday.objects.update_or_create(date=date, defaults={"name": name})
    audit(
        acting_user=acting_user,
        action="holiday.set",
        obj=holiday,
        changes={"date": date, "name": name},
    )
    return holiday


@transaction.atomic
@invalidates_statuses
def staff_assign(
    *,
    member: StaffMember,
    offices: Iterable[Office] | None = None,
    services: Iterable[Service] | None = None,
    acting_user: User | None,
) -> StaffMember:
    changes: dict[str, Any] = {}
    if offices is not None:
        offices = list(offices)
        changes["offices"] = [
            sorted(o.slug for o in member.offices.all()),
            sorted(o.slug for o in offices),
        ]
        member.offices.set(offices)
    if services is not None:
        services = list(services)
        changes["services"] = [
            sorted(s.pk for s in member.services.all()),
            sorted(s.pk for s in services),
        ]
        member.services.set(services)
    audit(acting_user=acting_user, action="staff.assign", obj=member, changes=changes)
    return member


@transaction.atomic
def staff_account_create(
    *,
    email: str,
    password: str | None,
    role: str = User.Role.STAFF,
    office_slugs: Sequence[str] = (),
    full_name: str = "",
    acting_user: User | None = None,
) -> User:
    """Create an account in the current municipality; staff belong to one or more offices
    (and serve all of their services)."""
    if role not in (User.Role.STAFF, User.Role.ADMIN):
        raise ValidationError({"role": ValidationError(_("Role must be staff or admin."))})
    email = validate_admin_email(email)
    offices = list(Office.objects.filter(slug__in=office_slugs))
    missing = sorted(set(office_slugs) - {o.slug for o in offices})
    if missing:
        raise ValidationError(
            {
                "office": ValidationError(
                    _("Unknown office: %(offices)s") % {"offices": ", ".join(missing)}
                )
            }
        )
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("%(email)s exists already.") % {"email": email}, code="taken"
                )
            }
        )
    user = user_create(
        email=email, role=role, password=password, full_name=full_name, acting_user=acting_user
    )
    member = StaffMember.objects.create(user=user)
    if offices:
        member.offices.set(offices)
        member.services.set([s for o in offices for s in o.services.all()])
    office_config_changed()
    return user


@transaction.atomic
def staff_update(
    *,
    member: StaffMember,
    acting_user: User | None,
    offices: Iterable[Office] | None = None,
    services: Iterable[Service] | None = None,
    **user_fields: Any,
) -> StaffMember:
    """Change an official's offices and services and their account (name, role, active);
    the role's implications come from platform_core.services.user_update."""
    from platform_core.services import user_update

    staff_assign(member=member, offices=offices, services=services, acting_user=acting_user)
    if user_fields:
        user_update(user=member.user, acting_user=acting_user, **user_fields)
    return member


@transaction.atomic
@invalidates_statuses
def staff_deactivate(
    *, member: StaffMember, acting_user: User, now: datetime | None = None
) -> None:
    """The account can no longer log in; its history stays. Refused for one's own account
    and while the official still has appointments to serve (cancel or move them first):
    409, nothing changes."""
    if member.user_id == acting_user.pk:
        raise ApiError(
            _("You cannot deactivate your own account."), error_codes.CANNOT_DEACTIVATE_SELF
        )
    locked = StaffMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    upcoming = locked.appointments.filter(
        kind="appointment", status__in=("booked", "in_session"), end__gt=now or timezone.now()
    ).count()
    if upcoming:
        raise ApiError(
            _(
                "%(email)s still has %(count)d upcoming appointments. Cancel them or move "
                "them to another official before deactivating the account."
            )
            % {"email": locked.user.email, "count": upcoming},
            error_codes.OFFICIAL_HAS_APPOINTMENTS,
            status.HTTP_409_CONFLICT,
            extra={"appointments": upcoming},
        )
    locked.user.is_active = False
    locked.user.save(update_fields=["is_active"])
    presence_set(member=locked, presence=StaffMember.Presence.AWAY)
    audit(acting_user=acting_user, action="user.deactivate", obj=locked.user)


def presence_set(
    *,
    member: StaffMember,
    presence: str | None = None,
    mode: str | None = None,
    now: datetime | None = None,
) -> StaffMember:
    """Set an official's presence and mode; also counts as a heartbeat."""
    from offices.selectors import presence_cutoff

    now = now or timezone.now()
    # A heartbeat after a quiet spell brings a stale presence back to life: that counts too.
    revived = member.last_seen_at is None or member.last_seen_at < presence_cutoff(now)
    fields = {"last_seen_at": now}
    if presence is not None and presence != member.presence:
        fields["presence"] = presence
        fields["presence_changed_at"] = now
    if mode is not None:
        fields["mode"] = mode
    StaffMember.objects.filter(pk=member.pk).update(**fields)
    if "presence" in fields or "mode" in fields or revived:
        office_config_changed()
    for key, value in fields.items():
        setattr(member, key, value)
    return member


def presence_expire_stale(*, now: datetime | None = None) -> int:
    """Officials whose console went quiet become away, so no ghost keeps an office "open"."""
    from offices.selectors import presence_cutoff

    now = now or timezone.now()
    expired = (
        StaffMember.objects.exclude(presence=StaffMember.Presence.AWAY)
        .filter(last_seen_at__lt=presence_cutoff(now))
        .update(presence=StaffMember.Presence.AWAY, presence_changed_at=now)
    )
    if expired:
        office_config_changed()
    return expired
