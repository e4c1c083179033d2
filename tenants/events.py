"""Events that tenants publishes for higher layers (billing) that it must not import.

Receivers run synchronously inside the sender's transaction: whatever they write commits or
rolls back together with the municipality, and a receiver that raises a ValidationError
aborts the onboarding with that (field) error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.dispatch import Signal

from tenants.models import Municipality


@dataclass(frozen=True)
class MunicipalityOnboarded:
    municipality: Municipality
    plan: str
    admin_email: str
    # Billing details as the onboarding caller gave them (keys: see billing.services);
    # tenants passes them on without reading them.
    billing: Mapping[str, str] = field(default_factory=dict)


# Sent by tenants.services.municipality_onboard with `event=MunicipalityOnboarded(...)`.
municipality_onboarded = Signal()
