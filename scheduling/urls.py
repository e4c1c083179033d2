"""Tenant-host URLs of the waiting room (scheduling.queue) and of appointments
(scheduling.appointments), in that order."""

from django.urls import include, path

urlpatterns = [
    path("", include("scheduling.queue.urls")),
    path("", include("scheduling.appointments.urls")),
]
