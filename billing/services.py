from __future__ import annotations

from billing.models import BillingAccount


def billing_account_create(*, municipality, plan: str) -> BillingAccount:
    """The municipality's billing customer on our side. The Stripe customer is created by the
    billing integration (its own issue) from this row, so onboarding never waits on Stripe."""
    return BillingAccount.objects.create(municipality=municipality, plan=plan)
