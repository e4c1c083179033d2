"""Every call to Stripe goes through here: the client configured from settings, an
idempotency key on every write, retries and one translation of Stripe's errors.

- Connection errors and 5xx are retried inside the call by stripe-python
  (STRIPE_MAX_NETWORK_RETRIES) with the same idempotency key, so a write whose answer was
  lost is replayed by Stripe, never done twice.
- 429: stripe-python does not retry it; we wait for its Retry-After (at most
  STRIPE_MAX_RETRY_AFTER_SECONDS, STRIPE_RATE_LIMIT_RETRIES times), again with the same key.
- Still failing: StripeUnavailable (transient), which the Celery tasks retry with backoff.
  A request Stripe refuses (4xx) is a BillingError with code `stripe_rejected`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import stripe
from django.conf import settings

from billing.error_codes import BillingErrorCode
from billing.errors import BillingError, StripeUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


def stripe_configured() -> bool:
    return bool(settings.STRIPE_API_KEY)


def stripe_client() -> stripe.StripeClient:
    if not stripe_configured():
        raise BillingError(
            BillingErrorCode.STRIPE_NOT_CONFIGURED, "Stripe is not configured (STRIPE_API_KEY)."
        )
    extra: dict[str, Any] = {}
    if settings.STRIPE_API_BASE:
        extra["base_addresses"] = {"api": settings.STRIPE_API_BASE.rstrip("/")}
    return stripe.StripeClient(
        settings.STRIPE_API_KEY,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        **extra,
    )


def _retry_after(exc: stripe.StripeError, attempt: int) -> float:
    headers = exc.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else float(2**attempt)
    except ValueError:
        return float(2**attempt)


def stripe_call(
    method: Callable[..., T],
    *args: Any,
    params: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> T:
    """`method` is a bound StripeClient service method, e.g. client.customers.create."""
    options: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
    attempt = 0
    while True:
        try:
            return method(*args, params=params or {}, options=options)
        except stripe.RateLimitError as exc:
            wait = _retry_after(exc, attempt)
            if (
                attempt >= settings.STRIPE_RATE_LIMIT_RETRIES
                or wait > settings.STRIPE_MAX_RETRY_AFTER_SECONDS
            ):
                raise StripeUnavailable(
                    f"Stripe rate limit: {exc.user_message or exc}", retry_after=wait
                ) from exc
            log.info("Stripe answered 429; retrying in %.1f s (key %s)", wait, idempotency_key)
            time.sleep(wait)
            attempt += 1
        except stripe.APIConnectionError as exc:
            raise StripeUnavailable(f"Stripe unreachable: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            if exc.http_status is None or exc.http_status >= 500:
                raise StripeUnavailable(f"Stripe error: {exc.user_message or exc}") from exc
            raise BillingError(
                BillingErrorCode.STRIPE_REJECTED,
                f"Stripe refused the request: {exc.user_message or exc}",
            ) from exc
