"""Per-host routing (the vendor's public site, one municipality's schema, or a plain 404;
a suspended municipality's closed doors), and the request input no view has to defend
against."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django.utils import translation
from django.utils.translation import gettext as _

from platform_core import error_codes, tenancy
from platform_core.request_input import request_input_problem
from platform_core.sentry import tag_municipality

# A suspended municipality keeps only these: liveness and readiness for operations, static
# assets and the language switch (so the notice can be read in English), and — because the
# usual reason is an unpaid invoice — its admins' way to the invoices they must pay (login and
# the read-only billing pages). Every other door (citizen pages, the rest of the tenant API
# including the token endpoint, /admin/, /staff/, video rooms and signalling) answers 503 naming
# the suspension; Webex webhooks of the municipality do the same (videoconf.views), and Celery
# work in its schema stops (platform_core.task_base). The vendor decides this list.
SUSPENDED_OPEN_PREFIXES = (
    "/healthz",
    "/readyz",
    "/static/",
    "/i18n/",
    "/account/login/",
    "/account/logout/",
    "/staff/billing/",
    "/api/admin/billing/",
)
# Doors used by the municipality's own people, who get the operator-facing notice.
STAFF_PREFIXES = ("/admin/", "/staff/", "/account/", "/api/admin/", "/api/staff/", "/api/auth/")


def hostname_of(request: HttpRequest) -> str:
    """The request's host, lower-case, without port; validated like Django's get_host()."""
    host = request.get_host().lower()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


class HostTenantMiddleware:
    """Like django-tenants' TenantMainMiddleware, but the vendor's public host needs no tenant
    row, an unknown host gets a plain 404 page instead of a debug page, and a suspended
    municipality is closed right here, where its host is resolved, before anything of it runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenancy.activate_public()
        hostname = hostname_of(request)
        if tenancy.is_public_host(hostname):
            request.tenant = None  # type: ignore[attr-defined]
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        else:
            tenant = tenancy.tenant_for_hostname(hostname)
            if tenant is None:
                with translation.override(_request_language(request)):
                    page = render_to_string("errors/unknown_host.html", {"hostname": hostname})
                return HttpResponse(page, status=404)
            request.tenant = tenant  # type: ignore[attr-defined]
            if tenant.is_suspended and not request.path.startswith(SUSPENDED_OPEN_PREFIXES):
                return suspended_response(request, tenant)
            tenancy.activate(tenant)
            request.urlconf = settings.ROOT_URLCONF
            tag_municipality(tenant.schema_name)
        set_urlconf(request.urlconf)
        return self.get_response(request)


class RequestInputMiddleware:
    """Refuses input no view can store (NUL characters) or parse (JSON nested too deep) with
    a 400, for every page and API on both hosts (see platform_core.request_input). Runs
    before sessions and everything else that would hand the input to the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with translation.override(_request_language(request)):
            problem = request_input_problem(request)
            if problem is not None:
                return error_response(
                    request,
                    status=400,
                    detail=problem.message,
                    code=problem.code,
                    title=_("Ungültige Anfrage"),
                )
        return self.get_response(request)


def _request_language(request: HttpRequest) -> str:
    """The language LocaleMiddleware will choose, for answers given before it runs."""
    return translation.get_language_from_request(request, check_path=False)


def wants_json(request: HttpRequest) -> bool:
    """APIs, webhooks and scripts get JSON; browsers get a page."""
    return (
        request.path.startswith(("/api/", "/webhooks/"))
        or request.path.endswith("/signal/")
        or "application/json" in request.headers.get("Accept", "")
        or (request.content_type or "").endswith("json")
    )


def error_response(
    request: HttpRequest,
    *,
    status: int,
    detail: str,
    code: str,
    title: str,
    extra: dict | None = None,
    headers: dict | None = None,
) -> HttpResponse:
    """An error answered outside any view: `{"detail", "code"}` JSON or a small page, in the
    request's language."""
    headers = {**(headers or {}), "Content-Language": translation.get_language()}
    if wants_json(request):
        return JsonResponse(
            {"detail": detail, "code": code, **(extra or {})}, status=status, headers=headers
        )
    html = render_to_string(
        "errors/error.html", {"title": title, "message": detail, "code": code}, request=request
    )
    return HttpResponse(html, status=status, headers=headers)


def suspended_response(request: HttpRequest, tenant: tenancy.Tenant) -> HttpResponse:
    """503 naming the suspension, for every closed door of a suspended municipality."""
    with translation.override(_request_language(request)):
        if request.path.startswith(STAFF_PREFIXES):
            message = _(
                "The access of %(name)s to the Virtuelles Bürgerbüro is suspended by the "
                "platform operator. Please contact the operator."
            )
        else:
            message = _(
                "The online services of %(name)s are suspended. Please contact the "
                "administration by phone or visit in person."
            )
        return error_response(
            request,
            status=503,
            detail=message % {"name": tenant.name},
            code=error_codes.MUNICIPALITY_SUSPENDED,
            title=_("Vorübergehend nicht verfügbar"),
            extra={"municipality": tenant.slug},
            headers={"Retry-After": "3600"},
        )
