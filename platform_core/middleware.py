"""Per-host routing: the vendor's public site, or one municipality's schema, or a plain 404."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf

from platform_core.sentry import tag_municipality
from tenants.models import Domain, Municipality

# A suspended municipality keeps these: operations, static assets, and its own staff's access
# to their data. Everything a citizen would use answers with a friendly 503.
SUSPENDED_ALLOWED_PREFIXES = (
    "/healthz",
    "/readyz",
    "/static/",
    "/admin/",
    "/api/auth/",
    "/api/admin/",
    "/staff/billing/",  # its admins still see the invoices they must pay
    "/api/schema/",
    "/api/docs/",
    "/i18n/",
)


def hostname_of(request: HttpRequest) -> str:
    """The request's host, lower-case, without port; validated like Django's get_host()."""
    host = request.get_host().lower()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


class HostTenantMiddleware:
    """Like django-tenants' TenantMainMiddleware, but the vendor's public host needs no tenant
    row, and an unknown host gets a plain 404 page instead of a debug page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        hostname = hostname_of(request)
        if hostname in settings.PUBLIC_HOSTS:
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        else:
            domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
            if domain is None:
                return HttpResponse(
                    render_to_string("errors/unknown_host.html", {"hostname": hostname}),
                    status=404,
                )
            tenant: Municipality = domain.tenant
            tenant.domain_url = hostname
            request.tenant = tenant
            connection.set_tenant(tenant)
            request.urlconf = settings.ROOT_URLCONF
            tag_municipality(tenant.schema_name)
        set_urlconf(request.urlconf)
        return self.get_response(request)


class MunicipalityStatusMiddleware:
    """A suspended municipality's citizen pages and APIs answer 503 with a friendly notice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.is_suspended
            and not request.path.startswith(SUSPENDED_ALLOWED_PREFIXES)
        ):
            return suspended_response(request, tenant)
        return self.get_response(request)


def suspended_response(request: HttpRequest, tenant: Municipality) -> HttpResponse:
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    message = _(
        "The online services of %(name)s are temporarily unavailable. "
        "Please contact the town hall by phone or visit in person."
    ) % {"name": tenant.name}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "municipality_suspended"}, status=503)
    html = render_to_string(
        "errors/suspended.html", {"tenant": tenant, "message": message}, request=request
    )
    return HttpResponse(html, status=503, headers={"Retry-After": "3600"})
