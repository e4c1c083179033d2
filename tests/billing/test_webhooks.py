"""Stripe webhooks at POST /webhooks/stripe/: signature checked on the raw body, events stored
once by id, processed in Celery with the object fetched again from Stripe. An unpaid invoice
puts the municipality in arrears (banner for its admins), the grace period suspends it
(citizen pages 503, data kept), a paid invoice makes it active again."""

from __future__ import annotations

import urllib.error
import uuid
from datetime import timedelta

import pytest
from django.test import Client

from billing.models import BillingAccount, Invoice, StripeEvent
from billing.services import billing_suspend_overdue
from billing.tasks import suspend_overdue
from platform_core.models import AuditLog
from tests.billing.conftest import (
    admin_client,
    host_client,
    onboard,
    pay_with_good_card,
    post_webhook,
    public,
    refreshed,
    signed,
)

# localstripe's card that asks for 3-D Secure and is then declined: the only card path on
# which it sends invoice.payment_failed (a plain declined card fails silently there).
DECLINING_CARD = "4000008260003178"


def decline_first_invoice(localstripe, subscription_id: str) -> None:
    """The municipality's bank confirms the card (3-D Secure) and declines the charge."""
    subscription = localstripe.get(f"/v1/subscriptions/{subscription_id}")
    invoice = localstripe.get(f"/v1/invoices/{subscription['latest_invoice']}")
    intent = localstripe.get(f"/v1/payment_intents/{invoice['payment_intent']}")
    try:
        localstripe.post(
            f"/v1/payment_intents/{intent['id']}/_authenticate",
            {"client_secret": intent["client_secret"], "success": "true"},
        )
    except urllib.error.HTTPError as exc:
        assert exc.code == 402  # card_declined, as Stripe answers


@pytest.fixture
def declined(settings, stripe_env, eager_celery, webhook_sink, django_capture_on_commit_callbacks):
    """A municipality whose card is declined: its first invoice fails, and localstripe sends
    the signed invoice.payment_failed webhook."""
    settings.STRIPE_DEV_TEST_CARD = DECLINING_CARD
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    decline_first_invoice(stripe_env, account.stripe_subscription_id)
    delivery = webhook_sink.wait_for(
        lambda e: (
            e["type"] == "invoice.payment_failed"
            and e["data"]["object"]["customer"] == account.stripe_customer_id
        )
    )
    return account, delivery


def deliver(public_client, captured, body, signature):
    with captured(execute=True):
        response = post_webhook(public_client, body, signature)
    return response


def test_payment_failed_past_due_then_grace_period_suspends_then_paid_reactivates(
    declined, public_client, stripe_env, django_capture_on_commit_callbacks
):
    account, delivery = declined
    municipality = account.municipality
    assert municipality.status == "active"
    assert account.subscription_status == "incomplete"

    # localstripe's own signed invoice.payment_failed → past_due
    response = deliver(
        public_client, django_capture_on_commit_callbacks, delivery.body, delivery.signature
    )
    assert response.status_code == 200, response.content
    assert refreshed(municipality).status == "past_due"
    event = StripeEvent.objects.get(event_id=delivery.event["id"])
    assert event.outcome == "applied" and event.account_id == account.pk
    invoice = Invoice.objects.get(stripe_invoice_id=delivery.event["data"]["object"]["id"])
    assert invoice.status == "open" and invoice.overdue
    account.refresh_from_db()
    assert account.past_due_since is not None

    # The admins see a banner; citizens are still served during the grace period.
    admin = admin_client(municipality)
    page = admin.get("/staff/billing/")
    assert page.status_code == 200
    assert "billing-past-due" in page.content.decode()
    assert host_client(municipality).get("/api/offices/").status_code == 200

    # Grace period (14 days): one day before its end nothing happens, after it: suspended.
    public()
    start = account.past_due_since
    assert billing_suspend_overdue(now=start + timedelta(days=13, hours=23)) == []
    assert refreshed(municipality).status == "past_due"
    assert billing_suspend_overdue(now=start + timedelta(days=14, minutes=1)) == [
        municipality.schema_name
    ]
    assert refreshed(municipality).status == "suspended"
    citizen = host_client(municipality)
    assert citizen.get("/").status_code == 503
    assert citizen.get("/api/offices/").json()["code"] == "municipality_suspended"
    # … while its admins still reach their invoices.
    assert admin.get("/staff/billing/").status_code == 200

    # The municipality pays; Stripe sends invoice.paid (localstripe sends only
    # invoice.payment_succeeded, so this event is signed here as Stripe signs it).
    pay_with_good_card(stripe_env, account.stripe_customer_id, invoice.stripe_invoice_id)
    paid_event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": "invoice.paid",
        # A stale copy on purpose: we act on what Stripe says when we ask again.
        "data": {
            "object": {"id": invoice.stripe_invoice_id, "object": "invoice", "status": "open"}
        },
    }
    body, signature = signed(paid_event)
    response = deliver(public_client, django_capture_on_commit_callbacks, body, signature)
    assert response.status_code == 200
    assert refreshed(municipality).status == "active"
    account.refresh_from_db()
    assert account.past_due_since is None
    invoice.refresh_from_db()
    assert invoice.status == "paid" and not invoice.overdue
    assert host_client(municipality).get("/api/offices/").status_code == 200
    public()
    actions = list(
        AuditLog.objects.filter(object_id=str(municipality.pk), action="municipality.update")
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert [c["status"] for c in actions] == [
        ["active", "past_due"],
        ["past_due", "suspended"],
        ["suspended", "active"],
    ]

    # Replaying the old failure changes nothing: stored once, not processed again.
    response = deliver(
        public_client, django_capture_on_commit_callbacks, delivery.body, delivery.signature
    )
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert StripeEvent.objects.filter(event_id=delivery.event["id"]).count() == 1
    assert refreshed(municipality).status == "active"


def test_a_late_failure_for_an_invoice_already_paid_changes_nothing(
    declined, public_client, stripe_env, django_capture_on_commit_callbacks
):
    account, delivery = declined
    invoice_id = delivery.event["data"]["object"]["id"]
    pay_with_good_card(stripe_env, account.stripe_customer_id, invoice_id)
    # The failure arrives only now (events come in any order): Stripe says it is paid.
    response = deliver(
        public_client, django_capture_on_commit_callbacks, delivery.body, delivery.signature
    )
    assert response.status_code == 200
    assert refreshed(account.municipality).status == "active"
    assert Invoice.objects.get(stripe_invoice_id=invoice_id).status == "paid"


def test_grace_period_beat_task_suspends_overdue_municipalities(
    declined, public_client, django_capture_on_commit_callbacks, settings
):
    account, delivery = declined
    deliver(public_client, django_capture_on_commit_callbacks, delivery.body, delivery.signature)
    settings.BILLING_GRACE_PERIOD_DAYS = 3
    BillingAccount.objects.filter(pk=account.pk).update(
        past_due_since=account.municipality.created_at - timedelta(days=4)
    )
    assert suspend_overdue.apply().get() == [account.municipality.schema_name]
    assert refreshed(account.municipality).status == "suspended"


def test_bad_signature_gets_400_and_stores_nothing(
    stripe_env, public_client, django_capture_on_commit_callbacks
):
    event = {
        "id": "evt_forged_1",
        "object": "event",
        "type": "invoice.paid",
        "data": {"object": {}},
    }
    body, _ = signed(event)
    _, wrong = signed(event, secret="whsec_someone_else")
    for signature in (wrong, "", "t=1,v1=deadbeef"):
        response = deliver(public_client, django_capture_on_commit_callbacks, body, signature)
        assert response.status_code == 400
        assert response.json()["code"] == "signature_invalid"
    # A correct signature over another body does not cover this one.
    _, good_for_other = signed({**event, "id": "evt_other"})
    response = deliver(public_client, django_capture_on_commit_callbacks, body, good_for_other)
    assert response.status_code == 400
    assert not StripeEvent.objects.filter(event_id__in=["evt_forged_1", "evt_other"]).exists()


def test_unknown_events_are_stored_and_ignored(
    stripe_env, eager_celery, public_client, django_capture_on_commit_callbacks
):
    event = {
        "id": f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": "balance.available",
        "data": {"object": {"object": "balance"}},
    }
    body, signature = signed(event)
    response = deliver(public_client, django_capture_on_commit_callbacks, body, signature)
    assert response.status_code == 200
    stored = StripeEvent.objects.get(event_id=event["id"])
    assert stored.outcome == "ignored" and stored.type == "balance.available"
    assert stored.payload == event


def test_webhook_answers_only_on_the_public_host(stripe_env, tenant_a):
    event = {"id": "evt_tenant_host", "object": "event", "type": "invoice.paid", "data": {}}
    body, signature = signed(event)
    response = Client(HTTP_HOST=tenant_a.host).post(
        "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 404
    assert not StripeEvent.objects.filter(event_id="evt_tenant_host").exists()
