"""Billing's domain errors: a stable code, a message and optionally the field it concerns.
No HTTP here; the API edge (billing.apis, billing.views) turns them into 4xx JSON."""

from __future__ import annotations

from billing.error_codes import BillingErrorCode


class BillingError(Exception):
    def __init__(self, code: BillingErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class StripeUnavailable(BillingError):
    """Stripe could not be reached or asked us to slow down, after the retries inside the
    call: transient, the Celery task retries later with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(BillingErrorCode.STRIPE_UNAVAILABLE, message)
        self.retry_after = retry_after
