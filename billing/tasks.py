"""Celery tasks of billing. All run in the public schema (billing's tables live there) and
only call services. Stripe being down or rate-limiting is retried with exponential backoff;
the services' idempotency keys make every retry safe."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from billing import services
from billing.errors import BillingError, StripeUnavailable
from billing.models import BillingAccount, StripeEvent
from billing.stripe_gateway import stripe_configured
from platform_core import tenancy

log = logging.getLogger(__name__)
MAX_RETRIES = 8


def _public_headers() -> dict[str, str]:
    return {"_schema_name": tenancy.public_schema()}


def _countdown(task, exc: StripeUnavailable) -> int:
    backoff = min(3600, 30 * 2**task.request.retries)
    return int(max(backoff, exc.retry_after or 0))


def enqueue_sync(account_id: int) -> None:
    sync_account.apply_async(args=[account_id], headers=_public_headers())


def enqueue_event(event_id: str) -> None:
    process_stripe_event.apply_async(args=[event_id], headers=_public_headers())


def enqueue_customer_push(account_id: int) -> None:
    push_customer.apply_async(args=[account_id], headers=_public_headers())


@shared_task(bind=True, max_retries=MAX_RETRIES)
def sync_account(self, account_id: int) -> str:
    """Create the Stripe customer and subscription of a new municipality."""
    try:
        account = services.billing_account_sync(account_id=account_id)
    except StripeUnavailable as exc:
        if self.request.retries >= self.max_retries:
            services.billing_account_mark_failed(account_id=account_id, reason=exc.message)
            raise
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc
    except BillingError as exc:
        log.warning("Billing set-up of account %s refused: %s", account_id, exc.message)
        return exc.code
    return account.sync_state


@shared_task(bind=True, max_retries=MAX_RETRIES)
def push_customer(self, account_id: int) -> None:
    try:
        services.billing_customer_push(account_id=account_id)
    except StripeUnavailable as exc:
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES)
def process_stripe_event(self, event_id: str) -> str:
    try:
        event = services.stripe_event_process(event_id=event_id)
    except StripeUnavailable as exc:
        if self.request.retries >= self.max_retries:
            services.stripe_event_mark_failed(event_id=event_id, reason=exc.message)
            raise
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc
    except BillingError as exc:
        services.stripe_event_mark_failed(event_id=event_id, reason=exc.message)
        return StripeEvent.Outcome.FAILED
    return event.outcome


@shared_task
def suspend_overdue() -> list[str]:
    """Beat, hourly, once in the public schema: end the grace period of municipalities in
    arrears (one scan over all accounts, not one task per municipality)."""
    return services.billing_suspend_overdue()


@shared_task
def sync_pending_accounts() -> int:
    """Beat, every 10 minutes: accounts still pending (Stripe was not configured, or a
    worker died before its task was retried) get another sync task."""
    if not stripe_configured():
        return 0
    stale = timezone.now() - services.SYNC_LEASE
    ids = list(
        BillingAccount.objects.filter(
            sync_state=BillingAccount.SyncState.PENDING, updated_at__lt=stale
        ).values_list("pk", flat=True)
    )
    for account_id in ids:
        enqueue_sync(account_id)
    return len(ids)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def report_usage(self, month: str | None = None) -> dict[str, int]:
    """Beat, on the 1st of each month: report last month's video usage of every billed
    municipality. Idempotent per municipality and month, so the retry after a Stripe outage
    reports only the ones still missing."""
    if not stripe_configured():
        return {}
    target = date.fromisoformat(month) if month else services.previous_month(timezone.localdate())
    done: dict[str, int] = {}
    unavailable: StripeUnavailable | None = None
    accounts = BillingAccount.objects.select_related("municipality").exclude(stripe_customer_id="")
    for account in accounts.iterator():
        try:
            report = services.usage_report(account=account, month=target)
        except StripeUnavailable as exc:
            unavailable = exc
            continue
        except BillingError as exc:
            log.warning("Usage of %s not reported: %s", account.municipality.schema_name, exc)
            continue
        done[account.municipality.schema_name] = report.amount_cents
    if unavailable is not None:
        raise self.retry(
            exc=unavailable, countdown=_countdown(self, unavailable), args=[target.isoformat()]
        )
    return done
