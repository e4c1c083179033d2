"""Onboarding creates exactly one Stripe customer and one subscription, after its own commit;
Stripe down or rate-limiting is retried with the same idempotency keys and never doubles."""

from __future__ import annotations

import pytest

from billing.models import BillingAccount
from tests.billing.conftest import LEITWEG_ID, onboard


def customers_of(localstripe, slug: str) -> list[dict]:
    return [c for c in localstripe.all("customers") if c["metadata"].get("municipality") == slug]


def subscriptions_of(localstripe, customer_id: str) -> list[dict]:
    return [s for s in localstripe.all("subscriptions") if s["customer"] == customer_id]


def test_onboarding_creates_exactly_one_customer_and_one_subscription(
    stripe_env, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced"
    customers = customers_of(stripe_env, municipality.schema_name)
    assert len(customers) == 1
    customer = customers[0]
    assert customer["id"] == account.stripe_customer_id
    assert customer["email"] == f"admin@{municipality.schema_name}.example.org"
    assert customer["name"] == municipality.name
    assert customer["address"] == {
        "line1": "Marktplatz 1",
        "postal_code": "93133",
        "city": "Burglengenfeld",
        "country": "DE",
    }
    assert customer["metadata"]["leitweg_id"] == LEITWEG_ID
    subscriptions = subscriptions_of(stripe_env, customer["id"])
    assert [s["id"] for s in subscriptions] == [account.stripe_subscription_id]
    assert subscriptions[0]["plan"]["id"] == "vbb-standard-month-v1"
    assert subscriptions[0]["status"] == "active"
    assert account.subscription_status == "active"
