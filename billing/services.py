"""Writes of the billing app. Stripe is called outside database transactions; every write to
Stripe carries an idempotency key derived from the municipality (`_key`), and every id Stripe
returns is saved at once, so a retry continues where the last attempt stopped and never bills
twice. Celery tasks (billing.tasks) call these; so do the onboarding event's receiver and the
vendor's views."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from billing import leitweg
from billing.error_codes import BillingErrorCode
from billing.errors import BillingError
from billing.models import BillingAccount, Invoice, StripeEvent, UsageReport
from billing.plans import CATALOGUE, CURRENCY, INTERVALS, plan_definition
from billing.stripe_gateway import stripe_call, stripe_client
from billing.xrechnung import EInvoice, Line, Party, build_xrechnung
from platform_core import tenancy
from platform_core.audit import audit
from platform_core.dates import month_start
from platform_core.models import User
from tenants.models import Municipality
from tenants.services import municipality_update
from videoconf.selectors import video_usage_between

log = logging.getLogger(__name__)

# Billing details as onboarding and the vendor give them → BillingAccount fields.
DETAIL_FIELDS = {
    "email": "billing_email",
    "address_line1": "address_line1",
    "postal_code": "postal_code",
    "city": "city",
    "vat_id": "vat_id",
    "leitweg_id": "leitweg_id",
}
VAT_ID_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
POSTAL_CODE_DE_RE = re.compile(r"^[0-9]{5}$")
VAT_RATE_TAG = "vbb-vat"
SYNC_LEASE = timedelta(minutes=5)


def _key(account: BillingAccount, *parts: str) -> str:
    """Idempotency key of one Stripe write for this municipality's account (the account id
    keeps a re-onboarded slug from replaying its predecessor's key)."""
    return "-".join(["vbb", account.municipality.schema_name, str(account.pk), *parts])[:255]


# --- billing details ------------------------------------------------------------------------


def billing_details_clean(details: Mapping[str, str]) -> dict[str, str]:
    """Check billing details; returns them keyed by BillingAccount field. Raises BillingError
    with the offending field."""
    cleaned: dict[str, str] = {}
    for key, raw in (details or {}).items():
        if key not in DETAIL_FIELDS:
            raise BillingError(
                BillingErrorCode.BILLING_FIELD_UNKNOWN,
                f"Unknown billing field “{key}”; use {', '.join(DETAIL_FIELDS)}.",
                field=key,
            )
        value = (raw or "").strip()
        if key == "email" and value:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise BillingError(
                    BillingErrorCode.BILLING_EMAIL_INVALID,
                    "Enter a valid billing e-mail address.",
                    field=key,
                ) from exc
        elif key == "postal_code" and value and not POSTAL_CODE_DE_RE.match(value):
            raise BillingError(
                BillingErrorCode.POSTAL_CODE_INVALID,
                "A German post code has five digits.",
                field=key,
            )
        elif key == "vat_id" and value:
            value = value.replace(" ", "").upper()
            if not VAT_ID_RE.match(value):
                raise BillingError(
                    BillingErrorCode.VAT_ID_INVALID,
                    "Enter a VAT ID such as DE123456789.",
                    field=key,
                )
        elif key == "leitweg_id" and value:
            value = leitweg.normalize(value)
            if not leitweg.is_valid(value):
                raise BillingError(
                    BillingErrorCode.LEITWEG_ID_INVALID,
                    "This is not a valid Leitweg-ID (format 2–12 digits, optional fine "
                    "address, two check digits, e.g. 04011000-1234512345-06).",
                    field=key,
                )
        cleaned[DETAIL_FIELDS[key]] = value
    return cleaned


@transaction.atomic
def billing_account_open(
    *, municipality: Municipality, plan: str, admin_email: str, details: Mapping[str, str]
) -> BillingAccount:
    """Record the municipality's billing account as `pending`, inside onboarding's
    transaction. The Stripe customer and subscription are made after the commit by a Celery
    task (billing.tasks.sync_account), so onboarding stays fast and never half-bills: a Stripe
    failure leaves the account pending (retried with backoff, then `failed`, visible and
    retriable in the vendor console), never a second customer or none at all."""
    if plan not in CATALOGUE:
        raise BillingError(BillingErrorCode.PLANS_MISSING, f"No price for plan {plan}.")
    fields = billing_details_clean(details)
    fields.setdefault("billing_email", "")
    fields["billing_email"] = fields["billing_email"] or admin_email
    account = BillingAccount.objects.create(municipality=municipality, plan=plan, **fields)
    audit(acting_user=None, action="billing.account_open", obj=account, changes={"plan": plan})
    return account


@transaction.atomic
def billing_details_update(
    *, account: BillingAccount, acting_user: User | None, details: Mapping[str, str]
) -> BillingAccount:
    """Change billing details; the Stripe customer is updated after the commit
    (billing.tasks.push_customer)."""
    fields = billing_details_clean(details)
    account = BillingAccount.objects.select_for_update().get(pk=account.pk)
    changes = {k: [getattr(account, k), v] for k, v in fields.items() if getattr(account, k) != v}
    for key, value in fields.items():
        setattr(account, key, value)
    account.save()
    if changes:
        audit(
            acting_user=acting_user, action="billing.details_update", obj=account, changes=changes
        )
    return account


# --- plans -----------------------------------------------------------------------------------


@dataclass
class PlanSyncResult:
    created: list[str]
    existing: list[str]


def billing_plans_sync() -> PlanSyncResult:
    """Create what is missing of billing.plans.CATALOGUE in Stripe: one Product per plan, a
    monthly and a yearly Plan each (fixed ids, so a rerun finds them) and the VAT rate.
    Idempotent: existing objects are left alone; a plan whose amount differs is an error
    (Stripe plans cannot change price: raise the definition's version)."""
    client = stripe_client()
    result = PlanSyncResult(created=[], existing=[])
    for definition in CATALOGUE.values():
        _ensure(
            result,
            client.v1.products,
            definition.product_id,
            {
                "id": definition.product_id,
                "name": definition.name,
                "description": definition.description,
                "metadata": {"vbb_plan": definition.code},
            },
        )
        for interval in INTERVALS:
            plan_id = definition.stripe_plan_id(interval)
            existing = _ensure(
                result,
                client.v1.plans,
                plan_id,
                {
                    "id": plan_id,
                    "product": definition.product_id,
                    "amount": definition.amount_cents(interval),
                    "currency": CURRENCY,
                    "interval": interval,
                    "nickname": f"{definition.name} ({interval})",
                    "metadata": {"vbb_plan": definition.code, "interval": interval},
                },
            )
            if existing is not None and existing.get("amount") != definition.amount_cents(interval):
                raise BillingError(
                    BillingErrorCode.STRIPE_REJECTED,
                    f"Stripe plan {plan_id} has another amount; raise the plan's version.",
                )
    if _vat_rate_id(client, required=False) is None:
        rate = stripe_call(
            client.v1.tax_rates.create,
            params={
                "display_name": "USt.",
                "description": f"Umsatzsteuer {settings.BILLING_VAT_PERCENT} %",
                "percentage": settings.BILLING_VAT_PERCENT,
                "inclusive": False,
                "jurisdiction": "DE",
                "metadata": {VAT_RATE_TAG: str(settings.BILLING_VAT_PERCENT)},
            },
            idempotency_key=f"vbb-tax-rate-{settings.BILLING_VAT_PERCENT}",
        )
        result.created.append(rate.id)
    else:
        result.existing.append(f"tax rate {settings.BILLING_VAT_PERCENT} %")
    return result


def _ensure(result: PlanSyncResult, service: Any, object_id: str, params: dict) -> Any:
    try:
        found = stripe_call(service.retrieve, object_id)
    except BillingError as exc:
        if not isinstance(exc.__cause__, stripe.InvalidRequestError):
            raise
        stripe_call(service.create, params=params, idempotency_key=f"vbb-create-{object_id}")
        result.created.append(object_id)
        return None
    result.existing.append(object_id)
    return found.to_dict()


def _vat_rate_id(client: stripe.StripeClient, *, required: bool = True) -> str | None:
    rates = stripe_call(client.v1.tax_rates.list, params={"limit": 100})
    for rate in rates.auto_paging_iter():
        if (rate.to_dict().get("metadata") or {}).get(VAT_RATE_TAG) == str(
            settings.BILLING_VAT_PERCENT
        ):
            return rate.id
    if required:
        raise BillingError(
            BillingErrorCode.PLANS_MISSING,
            "The VAT rate is missing in Stripe: run `manage.py billing_sync_plans`.",
        )
    return None


# --- customer and subscription ---------------------------------------------------------------


def _claim(account_id: int) -> BillingAccount | None:
    """Take the account for one sync attempt, or None when it is set up already or another
    worker holds it (a conditional UPDATE: the database decides, not a check in Python)."""
    now = timezone.now()
    claimed = (
        BillingAccount.objects.filter(pk=account_id)
        .exclude(sync_state=BillingAccount.SyncState.SYNCED)
        .filter(Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lt=now))
        .update(sync_lease_until=now + SYNC_LEASE, sync_attempts=F("sync_attempts") + 1)
    )
    if not claimed:
        return None
    return BillingAccount.objects.select_related("municipality").get(pk=account_id)


def _save(account: BillingAccount, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(account, name, value)
    BillingAccount.objects.filter(pk=account.pk).update(**fields, updated_at=timezone.now())


def _customer_params(account: BillingAccount) -> dict[str, Any]:
    municipality = account.municipality
    address = {
        "line1": account.address_line1,
        "postal_code": account.postal_code,
        "city": account.city,
        "country": account.country,
    }
    metadata = {"municipality": municipality.schema_name}
    if account.leitweg_id:
        metadata["leitweg_id"] = account.leitweg_id
    if account.vat_id:
        metadata["vat_id"] = account.vat_id
    params: dict[str, Any] = {
        "name": municipality.name,
        "email": account.billing_email,
        "description": f"{municipality.name} ({municipality.schema_name})",
        "address": {k: v for k, v in address.items() if v},
        "preferred_locales": ["de"],
        "metadata": metadata,
    }
    if account.vat_id:
        params["tax_id_data"] = [{"type": "eu_vat", "value": account.vat_id}]
    if account.leitweg_id:
        # Printed on Stripe's own invoice PDF as well.
        params["invoice_settings"] = {
            "custom_fields": [{"name": "Leitweg-ID", "value": account.leitweg_id}]
        }
    return params


def subscription_params(
    account: BillingAccount, *, vat_rate_id: str, collection_method: str | None = None
) -> dict[str, Any]:
    """The subscription of an account: its plan and interval, the offices contracted, VAT,
    and how it is paid. `send_invoice` (the default in production: public bodies pay by
    invoice) asks Stripe to e-mail each invoice, due after STRIPE_DAYS_UNTIL_DUE days."""
    definition = plan_definition(account.plan)
    params: dict[str, Any] = {
        "customer": account.stripe_customer_id,
        "items": [
            {
                "plan": definition.stripe_plan_id(account.interval),
                "quantity": account.quantity if definition.per_office else 1,
            }
        ],
        "default_tax_rates": [vat_rate_id],
        "metadata": {"municipality": account.municipality.schema_name},
    }
    method = collection_method or settings.STRIPE_COLLECTION_METHOD
    if method == "send_invoice":
        params["collection_method"] = "send_invoice"
        params["days_until_due"] = settings.STRIPE_DAYS_UNTIL_DUE
    return params


def billing_account_sync(*, account_id: int) -> BillingAccount:
    """Create the Stripe customer and subscription of a pending account. Safe to run any
    number of times and concurrently: one worker holds the account at a time, each Stripe
    write has its idempotency key, and each id is stored as soon as Stripe returns it.
    Raises StripeUnavailable (transient: the task retries) or BillingError (refused: the
    account is marked `failed` with the reason)."""
    account = _claim(account_id)
    if account is None:
        return BillingAccount.objects.get(pk=account_id)
    try:
        client = stripe_client()
        vat_rate_id = _vat_rate_id(client)
        if not account.stripe_customer_id:
            params = _customer_params(account)
            if settings.STRIPE_API_BASE:
                params.update(_dev_test_card(client, account))
            customer = stripe_call(
                client.v1.customers.create, params=params, idempotency_key=_key(account, "customer")
            )
            _save(account, stripe_customer_id=customer.id)
        if not account.stripe_subscription_id:
            subscription = stripe_call(
                client.v1.subscriptions.create,
                params=subscription_params(account, vat_rate_id=vat_rate_id),
                idempotency_key=_key(account, "subscription"),
            )
            _save(
                account,
                stripe_subscription_id=subscription.id,
                subscription_status=subscription.status or "",
            )
        with transaction.atomic():
            _save(
                account,
                sync_state=BillingAccount.SyncState.SYNCED,
                sync_error="",
                synced_at=timezone.now(),
            )
            audit(
                acting_user=None,
                action="billing.stripe_synced",
                obj=account,
                changes={
                    "customer": account.stripe_customer_id,
                    "subscription": account.stripe_subscription_id,
                },
            )
    except BillingError as exc:
        fields: dict[str, Any] = {"sync_error": exc.message[:2000]}
        if exc.code != BillingErrorCode.STRIPE_UNAVAILABLE:
            fields["sync_state"] = BillingAccount.SyncState.FAILED
        _save(account, **fields)
        raise
    finally:
        _save(account, sync_lease_until=None)
    return account


def billing_account_mark_failed(*, account_id: int, reason: str) -> None:
    """After the task's last retry: the account stays without Stripe objects, visibly."""
    BillingAccount.objects.filter(pk=account_id).exclude(
        sync_state=BillingAccount.SyncState.SYNCED
    ).update(sync_state=BillingAccount.SyncState.FAILED, sync_error=reason[:2000])


@transaction.atomic
def billing_account_retry(*, account: BillingAccount, acting_user: User | None) -> BillingAccount:
    """The vendor asks to try a failed set-up again (the caller enqueues the sync)."""
    account = BillingAccount.objects.select_for_update().get(pk=account.pk)
    if account.sync_state == BillingAccount.SyncState.FAILED:
        account.sync_state = BillingAccount.SyncState.PENDING
        account.save(update_fields=["sync_state", "updated_at"])
        audit(acting_user=acting_user, action="billing.sync_retry", obj=account)
    return account


def _dev_test_card(client: stripe.StripeClient, account: BillingAccount) -> dict[str, Any]:
    """Against a local fake (STRIPE_API_BASE): the fake's accepting test card, so that a
    subscription runs end to end in the demo. Never used against Stripe itself."""
    card = stripe_call(
        client.v1.payment_methods.create,
        params={
            "type": "card",
            "card": {
                "number": settings.STRIPE_DEV_TEST_CARD,
                "exp_month": 12,
                "exp_year": 2034,
                "cvc": "123",
            },
        },
        idempotency_key=_key(account, "test-card"),
    )
    return {"payment_method": card.id, "invoice_settings": {"default_payment_method": card.id}}


def billing_customer_push(*, account_id: int) -> None:
    """Bring the Stripe customer up to date with our billing details."""
    account = BillingAccount.objects.select_related("municipality").get(pk=account_id)
    if not account.stripe_customer_id:
        return  # the sync creates it with the current details
    params = _customer_params(account)
    params.pop("preferred_locales", None)
    params.pop("tax_id_data", None)  # tax IDs change through their own API; metadata has it
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    client = stripe_client()
    stripe_call(
        client.v1.customers.update,
        account.stripe_customer_id,
        params=params,
        idempotency_key=_key(account, "customer-update", digest),
    )


# --- usage -----------------------------------------------------------------------------------


def month_bounds(month: date, tz_name: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a calendar month, local time."""
    tz = ZoneInfo(tz_name)
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def usage_report(*, account: BillingAccount, month: date) -> UsageReport:
    """Report one month's video usage of a municipality as invoice items, once.

    The figures are fixed in a row unique per account and month the first time; the row is
    locked while Stripe is called, each invoice item's idempotency key is derived from the
    municipality and the month, items already at Stripe (found by that key in their
    metadata) are not created again, and a report marked as reported is never sent again.
    So a rerun, a retry after a timeout or two workers at once bill the month exactly once."""
    month = month_start(month)
    account = BillingAccount.objects.select_related("municipality").get(pk=account.pk)
    if not account.stripe_customer_id:
        raise BillingError(
            BillingErrorCode.STRIPE_NOT_CONFIGURED,
            f"{account.municipality.schema_name} has no Stripe customer yet.",
        )
    existing = UsageReport.objects.filter(account=account, month=month).first()
    if existing is not None and existing.reported_at is not None:
        return existing
    if existing is None:
        start, end = month_bounds(month, account.municipality.time_zone)
        with tenancy.tenant_context(account.municipality):
            usage = video_usage_between(start=start, end=end)
        definition = plan_definition(account.plan)
        try:
            with transaction.atomic():
                UsageReport.objects.create(
                    account=account,
                    month=month,
                    sessions=usage.sessions,
                    minutes=usage.minutes,
                    amount_cents=usage.sessions * definition.session_cents
                    + usage.minutes * definition.minute_cents,
                )
        except IntegrityError:
            pass  # another run created it first; its figures count
    client = stripe_client()
    with transaction.atomic():
        report = UsageReport.objects.select_for_update().get(account=account, month=month)
        if report.reported_at is not None:
            return report
        definition = plan_definition(account.plan)
        vat_rate_id = _vat_rate_id(client)
        already = _usage_items_at_stripe(client, account)
        item_ids = []
        for metric, quantity, unit_cents, label in (
            ("sessions", report.sessions, definition.session_cents, "Videoberatungen"),
            ("minutes", report.minutes, definition.minute_cents, "Videominuten"),
        ):
            if quantity <= 0:
                continue
            key = _key(account, "usage", f"{month:%Y-%m}", metric)
            if key in already:
                item_ids.append(already[key])
                continue
            item = stripe_call(
                client.v1.invoice_items.create,
                params={
                    "customer": account.stripe_customer_id,
                    **(
                        {"subscription": account.stripe_subscription_id}
                        if account.stripe_subscription_id
                        else {}
                    ),
                    "amount": quantity * unit_cents,
                    "currency": CURRENCY,
                    "description": f"{label} {month:%m/%Y}: {quantity} × "
                    f"{Decimal(unit_cents) / 100:.2f} €".replace(".", ","),
                    "tax_rates": [vat_rate_id],
                    "metadata": {
                        "municipality": account.municipality.schema_name,
                        "usage_key": key,
                        "usage_month": f"{month:%Y-%m}",
                        "metric": metric,
                        "quantity": str(quantity),
                    },
                },
                idempotency_key=key,
            )
            item_ids.append(item.id)
        report.stripe_invoice_item_ids = item_ids
        report.reported_at = timezone.now()
        report.save(update_fields=["stripe_invoice_item_ids", "reported_at"])
        audit(
            acting_user=None,
            action="billing.usage_report",
            obj=account,
            changes={
                "month": f"{month:%Y-%m}",
                "sessions": report.sessions,
                "minutes": report.minutes,
                "amount_cents": report.amount_cents,
            },
        )
    return report


def _usage_items_at_stripe(client: stripe.StripeClient, account: BillingAccount) -> dict[str, str]:
    """Pending invoice items of the customer that a usage report created (by metadata key):
    protects against a double charge even after Stripe's idempotency keys expire (24 h)."""
    items = stripe_call(
        client.v1.invoice_items.list, params={"customer": account.stripe_customer_id, "limit": 100}
    )
    found = {}
    for item in items.auto_paging_iter():
        key = (item.to_dict().get("metadata") or {}).get("usage_key")
        if key:
            found[key] = item.id
    return found


# --- webhooks --------------------------------------------------------------------------------


def stripe_event_receive(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify a webhook's signature on the raw body and store the event by its id. Returns
    the event and whether it was new; a replay returns the stored row and changes nothing."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise BillingError(
            BillingErrorCode.STRIPE_NOT_CONFIGURED, "No webhook secret is configured."
        )
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise BillingError(
            BillingErrorCode.SIGNATURE_INVALID, "The Stripe signature does not match."
        ) from exc
    except ValueError as exc:
        raise BillingError(BillingErrorCode.PAYLOAD_INVALID, "The body is not JSON.") from exc
    data = json.loads(payload)
    if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
        raise BillingError(BillingErrorCode.PAYLOAD_INVALID, "Not a Stripe event.")
    with transaction.atomic():
        stored, created = StripeEvent.objects.get_or_create(
            event_id=str(event.id)[:255],
            defaults={"type": str(data["type"])[:100], "payload": data},
        )
    return stored, created


INVOICE_UNPAID_EVENTS = {"invoice.payment_failed", "invoice.overdue"}
INVOICE_PAID_EVENTS = {"invoice.paid", "invoice.payment_succeeded", "invoice.marked_paid"}
INVOICE_OTHER_EVENTS = {
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.voided",
    "invoice.marked_uncollectible",
}
SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}


def stripe_event_process(*, event_id: str) -> StripeEvent:
    """Act on a stored event once. The object is fetched again from Stripe (the event's copy
    may be stale or forged in part), so events in any order lead to Stripe's current state.
    Unknown types are marked ignored. Unpaid invoice → municipality past_due (grace period
    starts); all unpaid invoices paid → active again (if billing had put it in arrears)."""
    event = StripeEvent.objects.get(event_id=event_id)
    if event.outcome in (StripeEvent.Outcome.APPLIED, StripeEvent.Outcome.IGNORED):
        return event
    kind = event.type
    obj = (event.payload.get("data") or {}).get("object") or {}
    if kind in INVOICE_UNPAID_EVENTS | INVOICE_PAID_EVENTS | INVOICE_OTHER_EVENTS:
        return _process_invoice_event(event, obj)
    if kind in SUBSCRIPTION_EVENTS:
        return _process_subscription_event(event, obj)
    return _finish(event, StripeEvent.Outcome.IGNORED, f"{kind} is not used")


def _finish(
    event: StripeEvent, outcome: str, detail: str = "", account: BillingAccount | None = None
) -> StripeEvent:
    StripeEvent.objects.filter(pk=event.pk).update(
        outcome=outcome, detail=detail[:2000], processed_at=timezone.now(), account=account
    )
    event.refresh_from_db()
    return event


def _account_for_customer(customer_id: str) -> BillingAccount | None:
    if not customer_id:
        return None
    return (
        BillingAccount.objects.select_related("municipality")
        .filter(stripe_customer_id=customer_id)
        .first()
    )


def _process_invoice_event(event: StripeEvent, obj: Mapping[str, Any]) -> StripeEvent:
    client = stripe_client()
    invoice = stripe_call(client.v1.invoices.retrieve, str(obj.get("id", ""))).to_dict()
    account = _account_for_customer(str(invoice.get("customer") or ""))
    if account is None:
        return _finish(event, StripeEvent.Outcome.IGNORED, "customer of no municipality")
    lines = _invoice_lines(client, invoice)
    with transaction.atomic():
        # One event at a time per account, and each event once.
        account = BillingAccount.objects.select_for_update().get(pk=account.pk)
        locked = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if locked.outcome in (StripeEvent.Outcome.APPLIED, StripeEvent.Outcome.IGNORED):
            return locked
        row = _invoice_store(account, invoice, lines)
        if event.type in INVOICE_UNPAID_EVENTS and row.status == "open":
            Invoice.objects.filter(pk=row.pk).update(overdue=True)
            detail = _arrears_start(account, row)
        elif row.status in ("paid", "void", "uncollectible"):
            Invoice.objects.filter(pk=row.pk).update(overdue=False)
            detail = _arrears_end_if_settled(account)
        else:
            detail = f"invoice {row.stripe_invoice_id} is {row.status}"
        return _finish(event, StripeEvent.Outcome.APPLIED, detail, account)


def _arrears_start(account: BillingAccount, invoice: Invoice) -> str:
    municipality = Municipality.objects.select_for_update().get(pk=account.municipality_id)
    if account.past_due_since is None:
        account.past_due_since = timezone.now()
        account.save(update_fields=["past_due_since", "updated_at"])
    if municipality.status == Municipality.Status.ACTIVE:
        municipality_update(
            municipality=municipality, acting_user=None, status=Municipality.Status.PAST_DUE
        )
        return f"invoice {invoice.stripe_invoice_id} unpaid: past_due"
    return f"invoice {invoice.stripe_invoice_id} unpaid; municipality stays {municipality.status}"


def _arrears_end_if_settled(account: BillingAccount) -> str:
    if account.invoices.filter(overdue=True, status="open").exists():
        return "other invoices are still unpaid"
    if account.past_due_since is None:
        return "no arrears"
    account.past_due_since = None
    account.save(update_fields=["past_due_since", "updated_at"])
    municipality = Municipality.objects.select_for_update().get(pk=account.municipality_id)
    if municipality.status in (Municipality.Status.PAST_DUE, Municipality.Status.SUSPENDED):
        municipality_update(
            municipality=municipality, acting_user=None, status=Municipality.Status.ACTIVE
        )
        return "invoices paid: active again"
    return "invoices paid"


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _invoice_lines(client: stripe.StripeClient, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    lines = stripe_call(client.v1.invoices.line_items.list, invoice["id"], params={"limit": 100})
    return [
        {
            "description": line.get("description") or "",
            "amount": int(line.get("amount") or 0),
            "quantity": int(line.get("quantity") or 1),
        }
        for line in (item.to_dict() for item in lines.auto_paging_iter())
    ]


def _invoice_store(account: BillingAccount, invoice: Any, lines: list[dict[str, Any]]) -> Invoice:
    transitions = invoice.get("status_transitions") or {}
    finalized_at = _ts(transitions.get("finalized_at"))
    due_at = _ts(invoice.get("due_date")) or (
        finalized_at + timedelta(days=settings.STRIPE_DAYS_UNTIL_DUE) if finalized_at else None
    )
    values = {
        "account": account,
        "number": invoice.get("number") or "",
        "status": invoice.get("status") or "",
        "currency": invoice.get("currency") or CURRENCY,
        "subtotal_cents": int(invoice.get("subtotal") or 0),
        "tax_cents": int(invoice.get("tax") or _tax_of(invoice)),
        "total_cents": int(invoice.get("total") or 0),
        "amount_due_cents": int(invoice.get("amount_due") or 0),
        "amount_paid_cents": int(invoice.get("amount_paid") or 0),
        "period_start": _ts(invoice.get("period_start")),
        "period_end": _ts(invoice.get("period_end")),
        "finalized_at": finalized_at,
        "due_at": due_at,
        "paid_at": _ts(transitions.get("paid_at")),
        "hosted_invoice_url": invoice.get("hosted_invoice_url") or "",
    }
    row, _ = Invoice.objects.update_or_create(stripe_invoice_id=invoice["id"], defaults=values)
    if row.status in ("open", "paid") and not row.xrechnung_xml:
        row.xrechnung_xml = build_xrechnung(_einvoice(account, row, lines))
        row.save(update_fields=["xrechnung_xml"])
    return row


def _tax_of(invoice: Any) -> int:
    amounts = invoice.get("total_tax_amounts") or invoice.get("total_taxes") or []
    return sum(int(a.get("amount") or 0) for a in amounts)


def _einvoice(account: BillingAccount, invoice: Invoice, lines: list[dict[str, Any]]) -> EInvoice:
    seller = settings.BILLING_SELLER
    tz = ZoneInfo(account.municipality.time_zone)
    issued = (invoice.finalized_at or timezone.now()).astimezone(tz).date()
    due = invoice.due_at.astimezone(tz).date() if invoice.due_at else issued + timedelta(days=30)
    return EInvoice(
        number=invoice.number or invoice.stripe_invoice_id,
        issue_date=issued,
        due_date=due,
        currency=invoice.currency,
        seller=Party(
            name=seller["name"],
            street=seller["street"],
            postal_code=seller["postal_code"],
            city=seller["city"],
            country=seller.get("country", "DE"),
            vat_id=seller.get("vat_id", ""),
            email=seller["email"],
            contact_name=seller["contact_name"],
            phone=seller["phone"],
        ),
        seller_iban=seller["iban"],
        seller_bic=seller.get("bic", ""),
        buyer=Party(
            name=account.municipality.name,
            street=account.address_line1,
            postal_code=account.postal_code,
            city=account.city,
            country=account.country,
            vat_id=account.vat_id,
        ),
        leitweg_id=account.leitweg_id,
        lines=[
            Line(
                description=line["description"] or "Virtuelles Bürgerbüro",
                quantity=Decimal(line["quantity"] or 1),
                net_amount_cents=line["amount"],
            )
            for line in lines
        ],
        vat_percent=Decimal(settings.BILLING_VAT_PERCENT),
        tax_cents=invoice.tax_cents,
        period_start=invoice.period_start.astimezone(tz).date() if invoice.period_start else None,
        period_end=invoice.period_end.astimezone(tz).date() if invoice.period_end else None,
    )


def _process_subscription_event(event: StripeEvent, obj: Mapping[str, Any]) -> StripeEvent:
    client = stripe_client()
    subscription = stripe_call(client.v1.subscriptions.retrieve, str(obj.get("id", ""))).to_dict()
    account = _account_for_customer(str(subscription.get("customer") or ""))
    if account is None:
        return _finish(event, StripeEvent.Outcome.IGNORED, "customer of no municipality")
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(pk=account.pk)
        if account.stripe_subscription_id in ("", subscription["id"]):
            account.stripe_subscription_id = subscription["id"]
            account.subscription_status = subscription.get("status") or ""
            account.save(
                update_fields=["stripe_subscription_id", "subscription_status", "updated_at"]
            )
        return _finish(
            event,
            StripeEvent.Outcome.APPLIED,
            f"subscription {subscription['id']} is {subscription.get('status')}",
            account,
        )


def stripe_event_mark_failed(*, event_id: str, reason: str) -> None:
    StripeEvent.objects.filter(event_id=event_id).exclude(
        outcome__in=[StripeEvent.Outcome.APPLIED, StripeEvent.Outcome.IGNORED]
    ).update(outcome=StripeEvent.Outcome.FAILED, detail=reason[:2000])


# --- grace period ----------------------------------------------------------------------------


def billing_suspend_overdue(*, now: datetime | None = None) -> list[str]:
    """Suspend every municipality that has been past_due for longer than the grace period
    (BILLING_GRACE_PERIOD_DAYS); its citizen pages then answer 503, its data stays. One
    scan over the accounts in arrears (partial index), each change in its own transaction
    with the rows locked and the condition checked again."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BILLING_GRACE_PERIOD_DAYS)
    suspended = []
    candidates = BillingAccount.objects.filter(
        past_due_since__lte=cutoff, municipality__status=Municipality.Status.PAST_DUE
    ).values_list("pk", flat=True)
    for account_id in list(candidates):
        with transaction.atomic():
            account = BillingAccount.objects.select_for_update().get(pk=account_id)
            municipality = Municipality.objects.select_for_update().get(pk=account.municipality_id)
            if (
                account.past_due_since is None
                or account.past_due_since > cutoff
                or municipality.status != Municipality.Status.PAST_DUE
            ):
                continue
            municipality_update(
                municipality=municipality, acting_user=None, status=Municipality.Status.SUSPENDED
            )
            suspended.append(municipality.schema_name)
    return suspended
