"""Citizen pages of appointment booking (server-rendered, work without JavaScript) and the
staff's day plan page. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offices.models import Mode
from platform_core.errors import ApiError
from scheduling.appointments import dates as booking_dates
from scheduling.appointments import error_codes as codes
from scheduling.appointments import selectors, services
from scheduling.appointments.models import Appointment, AppointmentMail
from videoconf.services import VideoProviderError

WEEK = 7


def _tz(request: HttpRequest) -> ZoneInfo:
    return ZoneInfo(request.tenant.time_zone)


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    # Dates on the page in the municipality's own time zone.
    with timezone.override(_tz(request)):
        return render(request, template, context, status=status)


def _date_param(value: str | None) -> tuple[date | None, str]:
    """A date from the query string: the date (None when absent or unusable) and the problem
    to tell the user ("" when fine)."""
    if not value:
        return None, ""
    try:
        return booking_dates.parse_date(value), ""
    except booking_dates.DateInputError as exc:
        if exc.code == codes.DATE_OUT_OF_RANGE:
            return None, _("Please choose a date between %(first)s and %(last)s.") % {
                "first": date_format(booking_dates.EARLIEST),
                "last": date_format(booking_dates.LATEST),
            }
        return None, _("Please enter the date as YYYY-MM-DD.")


def _error_messages() -> dict[str, str]:
    return {
        codes.SLOT_TAKEN: _("Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen."),
        codes.BOOKING_LIMIT: _(
            "Sie haben hier bereits die höchste Zahl offener Termine. "
            "Bitte sagen Sie zuerst einen Termin ab."
        ),
        codes.START_IN_PAST: _("Diese Uhrzeit liegt in der Vergangenheit."),
        codes.TOO_SOON: _("Dieser Termin ist zu kurzfristig für eine Online-Buchung."),
        codes.BEYOND_HORIZON: _("Dieser Termin liegt zu weit in der Zukunft."),
        codes.OFF_GRID: _("Bitte wählen Sie eine der angebotenen Uhrzeiten."),
        codes.NOT_OFFERED: _("Zu dieser Zeit werden keine Termine angeboten."),
        codes.MODE_NOT_OFFERED: _("Diese Leistung gibt es nicht in dieser Form."),
        codes.NOT_CANCELLABLE: _("Dieser Termin kann nicht mehr abgesagt werden."),
        codes.NOT_RESCHEDULABLE: _("Dieser Termin kann nicht mehr verschoben werden."),
        "required": _("Bitte ausfüllen."),
        "invalid": _("Bitte prüfen Sie die Eingabe."),
        "max_length": _("Die Eingabe ist zu lang."),
        codes.START_NEEDS_OFFSET: _("Bitte wählen Sie eine der angebotenen Uhrzeiten."),
    }


def _field_errors(exc: DjangoValidationError) -> dict[str, str]:
    texts = _error_messages()
    out = {}
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    for name, errors in by_field.items():
        error = errors[0]
        out[name] = texts.get(error.code or "invalid", _("Bitte prüfen Sie die Eingabe."))
    return out


def _week(*, request, office, service, mode: str | None, first: date | None, today: date) -> dict:
    """A week of free slots from `first` (default: the earliest day with a free slot)."""
    if first is None:
        first = (
            selectors.earliest_free_day(
                tenant=request.tenant, office=office, service=service, mode=mode
            )
            or today
        )
    first = max(first, today)
    last = first + timedelta(days=WEEK - 1)
    slots = selectors.free_slots(
        tenant=request.tenant,
        office=office,
        service=service,
        date_from=first,
        date_to=last,
        mode=mode,
    )
    horizon = today + timedelta(days=office.booking_horizon_days)
    return {
        "days": selectors.slots_by_day(slots),
        "first": first,
        "last": last,
        "prev": max(today, first - timedelta(days=WEEK)) if first > today else None,
        "next": last + timedelta(days=1) if last < horizon else None,
    }


def _start_or_none(value: str):
    try:
        return booking_dates.parse_moment(value) if value else None
    except booking_dates.DateInputError:  # unusable: the citizen chooses a slot again
        return None


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- booking ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str) -> HttpResponse:
    office = selectors.office_for_booking(slug)
    if office is None:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    services_ = selectors.bookable_services(office)
    service = None
    if params.get("service"):
        service = next((s for s in services_ if s.slug == params["service"]), None)
    elif len(services_) == 1:
        service = services_[0]
    modes = selectors.offered_modes(office, service) if service else ()
    mode = params.get("mode")
    if mode not in modes:
        # Video first: the waiting room sends its overflow here, and it was a video queue.
        mode = Mode.VIDEO if Mode.VIDEO in modes else (modes[0] if modes else None)
    form = {
        "name": params.get("name", "")[:100],
        "email": params.get("email", "")[:254],
        "phone": params.get("phone", "")[:40],
        "start": params.get("start", ""),
    }
    errors: dict[str, str] = {}
    problem = ""
    status = 200

    if request.method == "POST":
        if service is None or mode is None:
            raise Http404
        start = _start_or_none(form["start"])
        citizen = services.Citizen(
            name=form["name"],
            email=form["email"],
            phone=form["phone"],
            language=translation.get_language() or "de",
        )
        try:
            if start is None:
                errors["start"] = _("Bitte wählen Sie einen Termin.")
                services.citizen_validate(citizen)  # report the other fields at once too
            else:
                result = services.appointment_book(
                    tenant=request.tenant,
                    office=office,
                    service=service,
                    start=start,
                    mode=mode,
                    citizen=citizen,
                )
                query = _query(token=result.manage_token)
                return HttpResponseRedirect(
                    f"/appointments/{result.appointment.reference}/confirmed/?{query}"
                )
        except DjangoValidationError as exc:
            errors.update(_field_errors(exc))
        except ApiError as exc:
            problem = _error_messages().get(exc.code, str(exc.detail))
            status = exc.status_code
        if errors and not problem:
            problem = _("Bitte prüfen Sie Ihre Angaben.")
            status = 400

    tz = _tz(request)
    today = timezone.localtime(timezone.now(), tz).date()
    first, date_problem = _date_param(params.get("from"))
    if date_problem and not problem:
        problem, status = date_problem, 400
    week = (
        _week(
            request=request,
            office=office,
            service=service,
            mode=mode,
            first=first,
            today=today,
        )
        if service and mode
        else None
    )
    keep = {
        "service": service.slug if service else "",
        "mode": mode or "",
        "name": form["name"],
        "email": form["email"],
    }
    office_modes = [
        m for m in (Mode.VIDEO, Mode.IN_PERSON) if m != Mode.VIDEO or office.video_enabled
    ]
    return _render(
        request,
        "scheduling/booking.html",
        {
            "office": office,
            "services": services_,
            "service": service,
            "modes": modes,
            "mode_choices": modes if service else office_modes,
            "mode": mode,
            "week": week,
            "form": form,
            "errors": errors,
            "problem": problem,
            "prev_query": _query(**keep, **{"from": week["prev"]}) if week and week["prev"] else "",
            "next_query": _query(**keep, **{"from": week["next"]}) if week and week["next"] else "",
        },
        status=status,
    )


@require_GET
def confirmed(request: HttpRequest, reference: str) -> HttpResponse:
    token = request.GET.get("token", "")
    appointment = selectors.appointment_by_token(reference=reference, token=token)
    if appointment is None:
        raise Http404
    manage_url = f"{request.tenant.url()}appointments/{reference}/?{_query(token=token)}"
    return _render(
        request,
        "scheduling/booking_confirmed.html",
        {
            "appointment": appointment,
            "manage_url": manage_url,
            "manage_path": f"/appointments/{reference}/?{_query(token=token)}",
        },
    )


# --- manage -----------------------------------------------------------------------------------


def _manage_context(request: HttpRequest, appointment: Appointment, token: str) -> dict:
    tz = _tz(request)
    now = timezone.now()
    today = timezone.localtime(now, tz).date()
    upcoming = appointment.status == Appointment.Status.BOOKED and appointment.start > now
    modes = (
        selectors.offered_modes(appointment.office, appointment.service)
        if appointment.service
        else ()
    )
    mode = request.GET.get("mode") if request.GET.get("mode") in modes else appointment.mode
    first, problem = _date_param(request.GET.get("from"))
    week = None
    if upcoming and appointment.service and mode in modes:
        week = _week(
            request=request,
            office=appointment.office,
            service=appointment.service,
            mode=mode,
            first=first,
            today=today,
        )
    joinable = appointment.mode == Mode.VIDEO and appointment.status in services.JOINABLE
    session = selectors.open_video_session(appointment) if joinable else None
    keep = {"token": token, "mode": mode}
    return {
        "appointment": appointment,
        "problem": problem,
        "token": token,
        "upcoming": upcoming,
        "week": week,
        "modes": modes,
        "mode": mode,
        "can_join": session is not None,
        "is_video": appointment.mode == Mode.VIDEO,
        "joinable": joinable,
        "join_path": f"/appointments/{appointment.reference}/join/?{_query(token=token)}",
        "poll_url": f"/api/appointments/{appointment.reference}/?{_query(token=token)}",
        "prev_query": _query(**keep, **{"from": week["prev"]}) if week and week["prev"] else "",
        "next_query": _query(**keep, **{"from": week["next"]}) if week and week["next"] else "",
    }


def _citizen_appointment(request: HttpRequest, reference: str) -> tuple[Appointment, str]:
    token = (request.POST if request.method == "POST" else request.GET).get("token", "")
    appointment = selectors.appointment_by_token(reference=reference, token=token)
    if appointment is None:
        raise Http404
    return appointment, token


def _manage_path(reference: str, token: str) -> str:
    return f"/appointments/{reference}/?{_query(token=token)}"


@require_GET
def manage(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, token = _citizen_appointment(request, reference)
    context = _manage_context(request, appointment, token)
    return _render(
        request,
        "scheduling/appointment_manage.html",
        context,
        status=400 if context["problem"] else 200,
    )


@require_POST
def cancel(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, token = _citizen_appointment(request, reference)
    try:
        services.appointment_cancel(appointment=appointment)
        messages.success(
            request, _("Ihr Termin ist abgesagt. Sie erhalten eine Bestätigung per E-Mail.")
        )
    except ApiError as exc:
        messages.error(request, _error_messages().get(exc.code, str(exc.detail)))
    return HttpResponseRedirect(_manage_path(reference, token))


@require_POST
def reschedule(request: HttpRequest, reference: str) -> HttpResponse:
    appointment, token = _citizen_appointment(request, reference)
    mode = request.POST.get("mode") or appointment.mode
    start = _start_or_none(request.POST.get("start", ""))
    if start is None:
        messages.error(request, _("Bitte wählen Sie einen neuen Termin."))
        return HttpResponseRedirect(_manage_path(reference, token))
    try:
        services.appointment_reschedule(
            tenant=request.tenant,
            appointment=appointment,
            start=start,
            mode=mode,
            manage_token=token,
        )
        messages.success(
            request, _("Ihr Termin wurde verschoben. Sie erhalten eine Bestätigung per E-Mail.")
        )
    except DjangoValidationError as exc:
        messages.error(request, next(iter(_field_errors(exc).values())))
    except ApiError as exc:
        messages.error(request, _error_messages().get(exc.code, str(exc.detail)))
    return HttpResponseRedirect(_manage_path(reference, token))


@require_GET
def join(request: HttpRequest, reference: str) -> HttpResponse:
    """Our own join link: asks the provider for a fresh guest link now and redirects."""
    appointment, token = _citizen_appointment(request, reference)
    if appointment.status not in services.JOINABLE or appointment.mode != Mode.VIDEO:
        raise Http404
    try:
        url = services.appointment_guest_join_url(appointment=appointment)
    except VideoProviderError:
        url = None
        messages.error(
            request,
            _(
                "Das Videogespräch ist gerade nicht erreichbar. Bitte "
                "versuchen Sie es in einer Minute erneut."
            ),
        )
    else:
        if url is None:
            messages.info(
                request, _("Das Videogespräch ist noch nicht geöffnet. Es öffnet kurz vor Beginn.")
            )
    return HttpResponseRedirect(url or _manage_path(reference, token))


# --- staff ------------------------------------------------------------------------------------


@login_required
@require_GET
def staff_day_plan(request: HttpRequest) -> HttpResponse:
    if request.user.role not in ("staff", "admin"):
        raise PermissionDenied
    tz = _tz(request)
    today = timezone.localtime(timezone.now(), tz).date()
    day, problem = _date_param(request.GET.get("date"))
    day = day or today
    entries = selectors.day_plan(user=request.user, day=day, tz=tz)
    for appointment, _session in entries:
        if appointment.mail_failed:
            appointment.mail_failed_label = AppointmentMail.Kind(appointment.mail_failed).label
    return _render(
        request,
        "scheduling/appointment_day_plan.html",
        {
            "day": day,
            "entries": entries,
            "today": today,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "problem": problem,
        },
        status=400 if problem else 200,
    )
