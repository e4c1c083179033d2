"""Tenant-host URLs of the video consultation."""

from django.urls import path

from videoconf import apis, views

urlpatterns = [
    path("video/<slug:key>/", views.room, name="video-room"),
    path("video/<slug:key>/signal/", views.signal, name="video-signal"),
    path("staff/video-integration/", views.integration_page, name="video-integration-page"),
    path(
        "api/admin/video-integration/",
        apis.VideoIntegrationApi.as_view(),
        name="api-video-integration",
    ),
    path(
        "api/admin/video-integration/test/",
        apis.VideoIntegrationTestApi.as_view(),
        name="api-video-integration-test",
    ),
]
