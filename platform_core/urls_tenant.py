"""A municipality's host: citizen pages, staff console, administration, the tenant API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from platform_core import views
from platform_core.urls_common import common_urlpatterns

urlpatterns = [
    *common_urlpatterns("platform_core.urls_tenant"),
    path("admin/", admin.site.urls),
    path("account/login/", views.TenantLoginView.as_view(), name="login"),
    path("account/logout/", views.logout_view, name="logout"),
    path(
        "account/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="account/set_password.html", success_url="/account/login/?set=1"
        ),
        name="set-password",
    ),
    path("", include("offices.urls")),
    path("", include("scheduling.queue.urls")),
    path("", include("scheduling.appointments.urls")),
    path("", include("videoconf.urls")),
    path("", include("billing.urls_tenant")),
]
