"""Billing's subscriptions to events of lower layers (tenants must not import billing)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from billing import services, tasks
from billing.errors import BillingError
from billing.stripe_gateway import stripe_configured
from tenants.events import MunicipalityOnboarded


def on_municipality_onboarded(sender: Any, *, event: MunicipalityOnboarded, **kwargs: Any) -> None:
    """Open the billing account inside onboarding's transaction (pending), and create the
    Stripe customer and subscription once that transaction has committed. Bad billing details
    abort the onboarding with a field error, as tenants' event contract says."""
    try:
        account = services.billing_account_open(
            municipality=event.municipality,
            plan=event.plan,
            admin_email=event.admin_email,
            details=event.billing,
        )
    except BillingError as exc:
        raise ValidationError({"billing": [ValidationError(exc.message, code=exc.code)]}) from exc
    if stripe_configured():
        transaction.on_commit(lambda: tasks.enqueue_sync(account.pk))
