"""The product tiers a municipality is onboarded with. Only the codes and names live here (the
onboarding doors offer and validate them); prices and their Stripe products are billing's
(`billing.plans`), which covers every tier."""

from __future__ import annotations

from django.db import models


class Plan(models.TextChoices):
    STANDARD = "standard", "Basis"
    PLUS = "plus", "Plus"
    COUNTY = "county", "Kreis"


DEFAULT_PLAN = Plan.STANDARD
