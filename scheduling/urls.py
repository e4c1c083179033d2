"""Tenant-host URLs of the waiting room (queue_urls) and of appointments (booking_urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("scheduling.queue_urls")),
    path("", include("scheduling.booking_urls")),
]
