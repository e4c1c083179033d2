"""Webhooks on the public (vendor) host, included at /webhooks/."""

from django.urls import path

from videoconf import views

urlpatterns = [
    path("webex/<str:tenant_slug>/", views.webex_webhook, name="webhook-webex"),
]
