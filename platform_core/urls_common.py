"""URLs every host has: token, language switch, OpenAPI of that host's own API.

/healthz and /readyz are answered before routing, by health.middleware.HealthCheckMiddleware."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from platform_core import apis


def common_urlpatterns(urlconf: str) -> list:
    return [
        path("api/auth/token/", apis.TokenObtainApi.as_view(), name="api-token"),
        path("api/auth/me/", apis.MeApi.as_view(), name="api-me"),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
        path("i18n/", include("django.conf.urls.i18n")),
    ]
