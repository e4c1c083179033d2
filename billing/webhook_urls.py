"""Included at /webhooks/ on the public host."""

from django.urls import path

from billing import views

urlpatterns = [path("stripe/", views.stripe_webhook, name="webhook-stripe")]
