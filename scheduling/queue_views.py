"""Pages of the waiting room (citizens) and the staff console (officials).

Everything works without JavaScript: forms post to these views, which redirect back
(post/redirect/get) with a message. JavaScript only adds live updates (static/js/queue.js,
static/js/staff.js)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import ScopedRateThrottle

from offices.models import Mode, Office, StaffMember
from platform_core.errors import ApiError
from platform_core.tenancy import local_day
from scheduling import error_codes
from scheduling import queue_selectors as selectors
from scheduling import queue_services as services
from scheduling.dayplan import day_plan
from scheduling.models import Ticket
from videoconf.services import VideoProviderError

NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

REFUSAL_TEXT = {
    error_codes.OFFICE_CLOSED: gettext_noop(
        "Das Amt ist gerade geschlossen. Der virtuelle Warteraum ist "
        "nur während der Öffnungszeiten geöffnet."
    ),
    error_codes.WAITING_ROOM_FULL: gettext_noop("Der virtuelle Warteraum ist gerade voll."),
    error_codes.VIDEO_NOT_OFFERED: gettext_noop("Dieses Amt bietet keine Videogespräche an."),
    error_codes.SERVICE_NOT_BY_VIDEO: gettext_noop("Diese Leistung gibt es nur vor Ort."),
    error_codes.UNKNOWN_SERVICE: gettext_noop("Diese Leistung gibt es in diesem Amt nicht."),
}


def _refusal_text(code: str, fallback: str) -> str:
    return _(REFUSAL_TEXT[code]) if code in REFUSAL_TEXT else fallback


# --- citizens --------------------------------------------------------------------------------


class JoinForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="E-Mail",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.RegexField(
        label="Telefon",
        regex=r"^[0-9+()/ .-]{0,40}$",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    service = forms.ChoiceField(label="Anliegen", required=False)

    def __init__(self, *args, office: Office, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.office = office
        self.services = {s.slug: s for s in office.services.all() if s.is_active and s.offers_video}
        self.fields["service"].choices = [("", "—")] + [
            (slug, s.name) for slug, s in self.services.items()
        ]


class _JoinThrottleView:
    """The same per-client limit as the API (DRF scope `queue_join`)."""

    throttle_scope = "queue_join"


def _throttled(request: HttpRequest) -> bool:
    throttle = ScopedRateThrottle()
    return not throttle.allow_request(request, _JoinThrottleView())


@require_http_methods(["GET", "POST"])
def queue_join(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the optional details form. POST: draw a number, then the ticket's page."""
    office = get_object_or_404(Office.objects.prefetch_related("services"), slug=slug)
    if request.method == "GET":
        return render(
            request,
            "scheduling/queue_join.html",
            {"office": office, "form": JoinForm(office=office)},
        )
    if _throttled(request):
        return render(
            request,
            "scheduling/queue_refused.html",
            {
                "office": office,
                "reason": _("Zu viele Versuche. Bitte warten Sie eine Minute."),
                "booking_url": selectors.booking_url(office_slug=office.slug),
            },
            status=429,
        )
    form = JoinForm(request.POST, office=office)
    if not form.is_valid():
        return render(
            request, "scheduling/queue_join.html", {"office": office, "form": form}, status=400
        )
    data = form.cleaned_data
    try:
        _ticket, token = services.ticket_join(
            office=office,
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            service=form.services.get(data["service"] or ""),
            language=getattr(request, "LANGUAGE_CODE", "de") or "de",
        )
    except ApiError as exc:
        return render(
            request,
            "scheduling/queue_refused.html",
            {
                "office": office,
                "reason": _refusal_text(exc.code, str(exc.detail)),
                "code": exc.code,
                "booking_url": exc.extra.get("booking_url"),
            },
            status=exc.status_code,
        )
    return HttpResponseRedirect(f"/queue/{token}/")


def queue_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The citizen's page: position, then the call and the join button. Without JavaScript
    the "refresh" link reloads it (no meta refresh: WCAG 2.2.1)."""
    status = selectors.ticket_status(token=token)
    if status is None:
        raise Http404
    response = render(request, "scheduling/queue_ticket.html", {"s": status, "token": token})
    for key, value in NO_STORE.items():
        response[key] = value
    return response


@require_POST
def queue_leave(request: HttpRequest, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_token(token)
    if ticket is None:
        raise Http404
    try:
        services.ticket_leave(ticket=ticket)
        messages.info(request, _("Sie haben den Warteraum verlassen."))
    except ApiError:
        messages.error(request, _("Das geht jetzt nicht mehr: Ihr Gespräch hat schon begonnen."))
    return HttpResponseRedirect(f"/queue/{token}/")


def queue_join_video(request: HttpRequest, token: str) -> HttpResponse:
    """The join button: asks the provider for a fresh guest link (they expire) and sends the
    citizen there. Records that the citizen came (stops the no-show timer); the status only
    moves when the official starts the conversation."""
    ticket = selectors.ticket_by_token(token)
    if ticket is None:
        raise Http404
    if ticket.status not in (Ticket.Status.CALLED, Ticket.Status.IN_SESSION):
        messages.info(request, _("Sie sind noch nicht aufgerufen."))
        return HttpResponseRedirect(f"/queue/{token}/")
    try:
        url = services.ticket_guest_url(ticket=ticket)
    except VideoProviderError:
        url = None
    if not url:
        response = render(
            request,
            "scheduling/queue_ticket.html",
            {"s": selectors.ticket_status(token=token), "token": token, "video_error": True},
            status=503,
        )
        response["Retry-After"] = "10"
        return response
    services.ticket_mark_joined(ticket=ticket)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    return response


# --- staff console ---------------------------------------------------------------------------

STATUS_LABELS = {
    "waiting": gettext_noop("wartet"),
    "called": gettext_noop("aufgerufen"),
    "in_session": gettext_noop("im Gespräch"),
    "done": gettext_noop("erledigt"),
    "left": gettext_noop("gegangen"),
    "expired": gettext_noop("abgelaufen"),
    "no_show": gettext_noop("nicht erschienen"),
    "booked": gettext_noop("gebucht"),
    "cancelled": gettext_noop("abgesagt"),
}


def _staff_only(view):
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request.user, "role", "") not in ("staff", "admin"):
            return redirect("/account/login/")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _back(request: HttpRequest, office_slug: str | None = None) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    query = f"?{urlencode({'office': office_slug})}" if office_slug else ""
    return HttpResponseRedirect(f"/staff/{query}")


def _api_error_message(request: HttpRequest, exc: ApiError) -> None:
    texts = {
        error_codes.APPOINTMENT_DUE: _(
            "Ihr nächster Termin beginnt gleich – bis dahin keine neuen Videogespräche."
        ),
        error_codes.NOT_STAFF_OF_OFFICE: _("Sie gehören nicht zu diesem Amt."),
        error_codes.NOT_AN_OFFICIAL: _("Dieses Konto ist keinem Amt zugeordnet."),
        error_codes.INVALID_TRANSITION: _("Das geht in diesem Zustand nicht (mehr)."),
        error_codes.CITIZEN_JOINED: _(
            "Die Person ist dem Videogespräch schon beigetreten – beenden Sie das Gespräch "
            "mit „Erledigt“."
        ),
        error_codes.CALL_IN_PROGRESS: _(
            "Bitte schließen Sie zuerst Ihr laufendes Gespräch ab, bevor Sie die nächste "
            "Person aufrufen."
        ),
        error_codes.TARGET_OFFICE_CLOSED: _(
            "Das gewählte Amt ist gerade geschlossen. Die Person kann dort nicht warten – "
            "bitte wählen Sie ein geöffnetes Amt oder bieten Sie einen Termin an."
        ),
        error_codes.TARGET_VIDEO_NOT_OFFERED: _(
            "Das gewählte Amt bietet keine Videogespräche an. Die Person kann dort nicht "
            "warten – bitte bieten Sie einen Termin an."
        ),
    }
    if exc.status_code == 503:
        messages.error(
            request,
            _(
                "Der Videodienst ist gerade nicht erreichbar (%(code)s). "
                "Niemand geht verloren: Die Person wartet weiter an ihrer "
                "Stelle."
            )
            % {"code": exc.code},
        )
        return
    messages.error(request, texts.get(exc.code, str(exc.detail)))


def _transfer_targets(request: HttpRequest, mine: list[Ticket]) -> list[tuple[object, bool]]:
    """Every office with whether it can take a forwarded citizen now (open, with video); the
    console offers the others disabled, and the service refuses them anyway."""
    if not mine:
        return []
    from offices.selectors import office_statuses

    return [
        (s.office, s.waiting_room_open)
        for s in office_statuses(tenant=request.tenant, now=timezone.now())
    ]


@_staff_only
def staff_console(request: HttpRequest) -> HttpResponse:
    member = selectors.staff_member_for(request.user)
    offices = selectors.offices_visible_to(user=request.user, member=member)
    # Another office's queue is not shown to officials outside it: they get their own.
    wanted = request.GET.get("office")
    office = next((o for o in offices if o.slug == wanted), offices[0] if offices else None)
    now = timezone.now()
    context = {
        "member": member,
        "offices": offices,
        "office": office,
        "now": now,
        "Mode": Mode,
        "Presence": StaffMember.Presence,
    }
    if member is not None:
        services.member_heartbeat(member=member, now=now)
        mine = selectors.member_active_tickets(member=member)
        context.update(
            mine=mine,
            call_in_progress=bool(mine),
            transfer_targets=_transfer_targets(request, mine),
            no_shows=selectors.recent_no_shows(member=member, now=now),
            plan=[
                (e, _(STATUS_LABELS.get(e.status, e.status)))
                for e in day_plan(member=member, day=local_day(now))
            ],
            due=selectors.appointment_due(member=member, now=now),
            member_office_ids={o.pk for o in member.offices.all()},
        )
    if office is not None:
        context["queue"] = selectors.office_queue(office=office)
        context["can_act"] = member is not None and office.pk in context.get(
            "member_office_ids", set()
        )
    response = render(request, "staff/console.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_staff_only
def staff_presence(request: HttpRequest) -> HttpResponse:
    presence = request.POST.get("presence")
    mode = request.POST.get("mode") or None
    if presence not in StaffMember.Presence.values or (mode and mode not in Mode.values):
        messages.error(request, _("Ungültige Auswahl."))
        return _back(request)
    try:
        services.member_presence_set(acting_user=request.user, presence=presence, mode=mode)
        messages.success(request, _("Status gespeichert."))
    except ApiError as exc:
        _api_error_message(request, exc)
    return _back(request)


@require_POST
@_staff_only
def staff_call_next(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    try:
        called = services.ticket_call_next(office=office, acting_user=request.user)
    except ApiError as exc:
        _api_error_message(request, exc)
        return _back(request, slug)
    if called is None:
        messages.info(request, _("Niemand wartet, den Sie bedienen können."))
    else:
        messages.success(
            request, _("%(number)s ist aufgerufen.") % {"number": called.ticket.number}
        )
    return _back(request, slug)


ACTIONS = {
    "start": services.ticket_start,
    "complete": services.ticket_complete,
    "no-show": services.ticket_no_show,
}
DONE_TEXT = {
    "start": gettext_noop("%(number)s: Gespräch begonnen."),
    "complete": gettext_noop("%(number)s: erledigt."),
    "no-show": gettext_noop("%(number)s: nicht erschienen."),
    "recall": gettext_noop("%(number)s ist erneut aufgerufen."),
    "transfer": gettext_noop("%(number)s wartet jetzt im Amt %(office)s (neue Nummer %(new)s)."),
}


@require_POST
@_staff_only
def staff_ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = get_object_or_404(Ticket.objects.select_related("office", "service"), pk=pk)
    office_slug, number = ticket.office.slug, ticket.number
    try:
        if action in ACTIONS:
            ACTIONS[action](ticket=ticket, acting_user=request.user)
            extra = {}
        elif action == "recall":
            services.ticket_recall(ticket=ticket, acting_user=request.user)
            extra = {}
        elif action == "transfer":
            to_office = Office.objects.filter(slug=request.POST.get("office", "")).first()
            if to_office is None:
                messages.error(request, _("Bitte wählen Sie ein Amt."))
                return _back(request, office_slug)
            moved = services.ticket_transfer(
                ticket=ticket, to_office=to_office, acting_user=request.user
            )
            extra = {"office": to_office.name, "new": moved.number}
        else:
            raise Http404
    except ApiError as exc:
        _api_error_message(request, exc)
        return _back(request, office_slug)
    messages.success(request, _(DONE_TEXT[action]) % {"number": number, **extra})
    return _back(request, office_slug)
