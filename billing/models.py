"""The vendor's billing relationship with each municipality (Stripe comes with its issue)."""

from __future__ import annotations

from django.db import models

PLANS = {"standard": "Standard", "plus": "Plus", "county": "Landkreis"}


class BillingAccount(models.Model):
    municipality = models.OneToOneField(
        "tenants.Municipality", on_delete=models.CASCADE, related_name="billing_account"
    )
    plan = models.CharField(max_length=20, choices=list(PLANS.items()), default="standard")
    stripe_customer_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.plan}"
