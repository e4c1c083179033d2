"""Pages and thin HTTP endpoints of the video consultation.

Tenant host: the room `/video/<key>/` (built-in WebRTC room, or a redirect to a Webex link made
at that moment), its signalling `/video/<key>/signal/`, and the admins' settings page
`/staff/video-integration/`. Public host: `POST /webhooks/webex/<slug>/`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platform_core import tenancy
from platform_core.error_codes import PARSE_ERROR
from platform_core.errors import ApiError
from platform_core.middleware import suspended_response
from platform_core.request_input import BadInput, json_loads
from videoconf import error_codes, selectors, services
from videoconf.forms import VideoIntegrationForm
from videoconf.models import VideoIntegration, VideoSession
from videoconf.providers import VideoProviderError, WebhookRejected

logger = logging.getLogger("videoconf")


def _no_leak(response: HttpResponse) -> HttpResponse:
    # The key in the URL is the only credential: keep it out of caches and search engines.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _room_texts() -> dict[str, str]:
    return {
        "preparing": _("Kamera und Mikrofon werden vorbereitet …"),
        "waiting_host": _("Sie sind im Warteraum. Die Sachbearbeitung kommt gleich dazu."),
        "waiting_guest": _("Warten auf die Bürgerin oder den Bürger …"),
        "connecting": _("Verbindung wird aufgebaut …"),
        "connected": _("Verbunden."),
        "reconnecting": _("Die Verbindung ist unterbrochen. Es wird erneut verbunden …"),
        "failed": _("Die Verbindung ist fehlgeschlagen. Es wird erneut versucht …"),
        "peer_left": _("Ihr Gegenüber hat das Gespräch verlassen."),
        "peer_back": _("Ihr Gegenüber ist wieder da. Verbindung wird aufgebaut …"),
        "you_left": _("Sie haben das Gespräch verlassen."),
        "ended": _("Diese Beratung ist beendet."),
        "mic_off": _("Ihr Mikrofon ist stumm geschaltet."),
        "mic_on": _("Ihr Mikrofon ist eingeschaltet."),
        "cam_off": _("Ihre Kamera ist ausgeschaltet."),
        "cam_on": _("Ihre Kamera ist eingeschaltet."),
        "denied": _(
            "Sie haben den Zugriff auf Kamera und Mikrofon nicht erlaubt. Bitte erlauben "
            "Sie ihn in der Adressleiste Ihres Browsers (Schloss- oder Kamerasymbol) "
            "und laden Sie die Seite neu."
        ),
        "no_devices": _(
            "Es wurden keine Kamera und kein Mikrofon gefunden. Bitte schließen Sie "
            "ein Gerät an und laden Sie die Seite neu."
        ),
        "media_error": _(
            "Kamera oder Mikrofon konnten nicht gestartet werden. Vielleicht "
            "benutzt ein anderes Programm sie gerade."
        ),
        "unsupported": _(
            "Ihr Browser unterstützt keine Videogespräche. Bitte verwenden Sie "
            "einen aktuellen Browser."
        ),
        "audio_only": _("Keine Kamera gefunden: Sie nehmen nur mit Ton teil."),
    }


# --------------------------------------------------------------------------- the room


@never_cache
@require_GET
def room(request: HttpRequest, key: str) -> HttpResponse:
    found = selectors.video_session_by_key(key=key)
    if found is None:
        raise Http404
    session, role = found
    if session.is_ended:
        return _no_leak(render(request, "videoconf/ended.html", {"role": role}))
    if session.provider == VideoIntegration.Provider.WEBEX:
        return _no_leak(_provider_redirect(request, session, role))
    if role == "guest":
        services.video_session_mark_guest_joined(session=session)
    return _no_leak(
        render(
            request,
            "videoconf/room.html",
            {
                "session": session,
                "role": role,
                "signal_url": f"/video/{key}/signal/",
                "ice_servers": settings.VIDEO_ICE_SERVERS,
                "room_texts": _room_texts(),
            },
        )
    )


def _provider_redirect(request: HttpRequest, session: VideoSession, role: str) -> HttpResponse:
    """Make the provider's (expiring) link now and send the browser there."""
    try:
        if role == "guest":
            url = services.video_session_guest_url(session=session)
        else:
            url = services.video_session_host_url(session=session)
    except VideoProviderError as exc:
        logger.warning(
            "no %s link for video session %s: code=%s trackingId=%s",
            role,
            session.pk,
            exc.code,
            exc.tracking_id,
        )
        return render(
            request, "videoconf/provider_error.html", {"role": role, "error": exc}, status=503
        )
    if role == "guest":
        services.video_session_mark_guest_joined(session=session)
    return redirect(url)


def _json_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signal(request: HttpRequest, key: str) -> HttpResponse:
    """GET ?since=<id>: the other side's messages after that id. POST {type, payload}."""
    found = selectors.video_session_by_key(key=key)
    if found is None or found[0].provider != VideoIntegration.Provider.BUILTIN:
        return _json_error(_("No such consultation."), error_codes.SESSION_NOT_FOUND, 404)
    session, role = found
    if request.method == "GET":
        if session.is_ended:
            return _json_error(_("This consultation has ended."), error_codes.SESSION_ENDED, 410)
        try:
            since = int(request.GET.get("since", "0"))
        except ValueError:
            return _json_error(_("since must be a message id."), error_codes.SIGNAL_INVALID, 400)
        signals = selectors.video_signal_list(session=session, recipient=role, since=since)
        return JsonResponse(
            {
                "status": session.status,
                "messages": [{"id": s.id, "type": s.kind, "payload": s.payload} for s in signals],
            }
        )
    try:
        body = json_loads(request.body or b"null")
    except BadInput as exc:
        code = error_codes.SIGNAL_INVALID if exc.code == PARSE_ERROR else exc.code
        return _json_error(exc.message, code, 400)
    if not isinstance(body, dict):
        return _json_error(_("Send a JSON object."), error_codes.SIGNAL_INVALID, 400)
    try:
        message = services.video_signal_post(
            session=session,
            sender=role,
            kind=str(body.get("type", "")),
            payload=body.get("payload"),
        )
    except ApiError as exc:
        return _json_error(str(exc.detail), exc.code, exc.status_code)
    return JsonResponse({"id": message.id}, status=201)


# --------------------------------------------------------------------------- webhooks


@csrf_exempt
@require_POST
def webex_webhook(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Webex events of one municipality; verified with its own webhook secret."""
    tenant = tenancy.tenant_by_slug(tenant_slug)
    if tenant is None:
        return _json_error(_("Unknown municipality."), error_codes.WEBHOOK_UNKNOWN_TENANT, 404)
    if tenant.is_suspended:
        return suspended_response(request, tenant)
    with tenancy.tenant_context(tenant):
        integration = VideoIntegration.objects.filter(provider="webex").first()
        if integration is None:
            return _json_error(
                _("Webex is not configured for this municipality."),
                error_codes.WEBHOOK_NOT_CONFIGURED,
                404,
            )
        from videoconf.providers.webex import WebexProvider

        try:
            event = WebexProvider(integration).handle_webhook(
                body=request.body, headers=request.headers
            )
        except WebhookRejected as exc:
            logger.warning("Webex webhook for %s refused: %s", tenant.schema_name, exc.code)
            return _json_error(exc.message, exc.code, exc.status)
        if event is None:
            return JsonResponse({"status": "ignored"})
        session = services.video_event_apply(event=event)
        if session is None:
            return JsonResponse({"status": "unknown_meeting"})
        if session.remote_cleanup_pending:
            services.video_session_end(session=session)
        return JsonResponse({"status": "processed", "session_status": session.status})


# --------------------------------------------------------------------------- admin page


def _integration_initial(integration: VideoIntegration | None) -> dict:
    if integration is None:
        return {"provider": VideoIntegration.Provider.BUILTIN}
    return {
        name: getattr(integration, name)
        for name in ("provider", "client_id", "host_email", "site_url", "api_base")
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def integration_page(request: HttpRequest) -> HttpResponse:
    """Settings form for the municipality's video provider, and "Verbindung testen"."""
    if request.tenant is None or not request.user.is_municipal_admin:
        raise PermissionDenied
    integration = selectors.video_integration_get()
    form = VideoIntegrationForm(initial=_integration_initial(integration))
    test_result = save_refused = None
    if request.method == "POST" and request.POST.get("action") == "test":
        try:
            services.video_integration_test(acting_user=request.user)
        except VideoProviderError as exc:
            test_result = {
                "ok": False,
                "message": exc.message,
                "code": exc.code,
                "tracking_id": exc.tracking_id,
            }
        else:
            test_result = {"ok": True}
    elif request.method == "POST":
        form = VideoIntegrationForm(request.POST)
        if form.is_valid():
            try:
                _saved, webhook_error = services.video_integration_save(
                    acting_user=request.user, data=form.cleaned_data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except VideoProviderError as exc:
                # Nothing was saved: the previous provider and credentials stay live.
                save_refused = {
                    "message": exc.message,
                    "code": exc.code,
                    "tracking_id": exc.tracking_id,
                }
            else:
                messages.success(request, _("Die Einstellungen wurden gespeichert."))
                if webhook_error is not None:
                    messages.warning(
                        request,
                        _("Die Webhooks konnten nicht bei Webex angemeldet werden: %(msg)s")
                        % {"msg": webhook_error.message},
                    )
                return redirect("video-integration-page")
    return render(
        request,
        "videoconf/integration.html",
        {
            "form": form,
            "integration": integration,
            "test_result": test_result,
            "save_refused": save_refused,
            "webex_fields": [
                (
                    form[name],
                    name in services.SECRET_FIELDS
                    and bool(integration and integration.has_secret(name)),
                )
                for name in form.fields
                if name != "provider"
            ],
        },
    )
