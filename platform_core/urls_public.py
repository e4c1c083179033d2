"""The vendor's public host: product page, vendor console, vendor API, webhooks."""

from django.urls import include, path

from platform_core.urls_common import common_urlpatterns
from tenants import apis as tenant_apis
from tenants import views as tenant_views

urlpatterns = [
    *common_urlpatterns("platform_core.urls_public"),
    path("", tenant_views.product_page, name="product"),
    path("platform/", tenant_views.console, name="vendor-console"),
    path("platform/login/", tenant_views.VendorLoginView.as_view(), name="login"),
    path("platform/logout/", tenant_views.logout_view, name="logout"),
    path("platform/municipalities/new/", tenant_views.onboard, name="vendor-onboard"),
    path(
        "platform/municipalities/<slug:slug>/",
        tenant_views.municipality_detail,
        name="vendor-municipality",
    ),
    path(
        "api/platform/municipalities/",
        tenant_apis.MunicipalityListApi.as_view(),
        name="api-municipalities",
    ),
    path("webhooks/", include("videoconf.webhook_urls")),
    path("webhooks/", include("billing.webhook_urls")),
    path("", include("billing.urls_vendor")),
    path(
        "api/platform/municipalities/<slug:slug>/",
        tenant_apis.MunicipalityDetailApi.as_view(),
        name="api-municipality",
    ),
]
