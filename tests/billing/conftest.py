"""Billing tests run against localstripe, started here on a free port (once per session),
with a webhook sink, eager Celery tasks and a fresh municipality per test."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from billing.models import BillingAccount
from tenants.models import Municipality
from tenants.services import OnboardingInput, municipality_onboard
from tests.billing.stripe_fakes import API_KEY, EdgeProxy, LocalStripe, WebhookSink

WEBHOOK_SECRET = "whsec_test_vbb"
LEITWEG_ID = "04011000-1234512345-06"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    server = LocalStripe()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def webhook_sink(localstripe) -> Iterator[WebhookSink]:
    sink = WebhookSink()
    localstripe.register_webhook("tests", sink.url, WEBHOOK_SECRET)
    yield sink
    sink.stop()


_plans_synced: set[str] = set()


@pytest.fixture
def stripe_env(real_clock, settings, db, localstripe, webhook_sink):
    """Our settings pointed at localstripe, with its plans created once per session."""
    settings.STRIPE_API_KEY = API_KEY
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    # localstripe refuses collection_method/days_until_due: see test_send_invoice_parameters.
    settings.STRIPE_COLLECTION_METHOD = "charge_automatically"
    settings.STRIPE_DEV_TEST_CARD = "4242424242424242"
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    settings.STRIPE_MAX_RETRY_AFTER_SECONDS = 5
    if localstripe.url not in _plans_synced:
        call_command("billing_sync_plans", verbosity=0)
        _plans_synced.add(localstripe.url)
    return localstripe


@contextmanager
def eager() -> Iterator[None]:
    """Billing's tasks sent by the code under test run at once, in this thread and
    transaction (Task.apply, with retries). Celery's own task_always_eager is not used: its
    send path takes a producer from the broker pool and leaves a later test's worker deaf."""
    from billing import tasks

    originals = {}
    for task in (tasks.sync_account, tasks.push_customer, tasks.process_stripe_event):
        originals[task] = task.__dict__.get("apply_async")

        def run_now(args=None, kwargs=None, *, _task=task, headers=None, **options):
            return _task.apply(args, kwargs, headers=headers, throw=True)

        task.apply_async = run_now
    try:
        yield
    finally:
        for task, original in originals.items():
            if original is None:
                del task.apply_async
            else:
                task.apply_async = original


@pytest.fixture
def eager_celery() -> Iterator[None]:
    with eager():
        yield


@pytest.fixture
def edge_proxy(settings, stripe_env) -> Iterator[EdgeProxy]:
    proxy = EdgeProxy(upstream=stripe_env.url)
    settings.STRIPE_API_BASE = proxy.url
    yield proxy
    proxy.stop()


_counter = itertools.count()


def onboard(slug: str | None = None, *, kind: str = "town", plan: str = "standard", **billing):
    """Onboard a municipality through the real service (the billing subscriber runs on commit
    in the caller's capture)."""
    slug = slug or f"bill-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:4]}"
    details = {
        "leitweg_id": LEITWEG_ID,
        "address_line1": "Marktplatz 1",
        "postal_code": "93133",
        "city": "Burglengenfeld",
        **billing,
    }
    connection.set_schema_to_public()
    return municipality_onboard(
        data=OnboardingInput(
            slug=slug,
            name=f"Stadt {slug}",
            state="BY",
            kind=kind,
            domains=[],
            admin_email=f"admin@{slug}.example.org",
            admin_password="test-password-1",
            plan=plan,
            billing=details,
        )
    )


@pytest.fixture
def billed(stripe_env, eager_celery, django_capture_on_commit_callbacks):
    """A municipality onboarded against localstripe: customer and subscription created."""
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced", account.sync_error
    return account


def public() -> None:
    """Back to the public schema (a request to a tenant host leaves the connection there)."""
    connection.set_schema_to_public()


def refreshed(municipality: Municipality) -> Municipality:
    public()
    return Municipality.objects.get(pk=municipality.pk)


def host_client(municipality: Municipality) -> Client:
    return Client(HTTP_HOST=f"{municipality.schema_name}.localhost")


def signed(event: dict, secret: str = WEBHOOK_SECRET, *, timestamp: int | None = None):
    """Body and Stripe-Signature of an event, signed as Stripe signs (HMAC-SHA256 of
    "<t>.<body>" with the endpoint secret)."""
    import hashlib
    import hmac
    import json
    import time

    body = json.dumps(event).encode()
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={t},v1={mac}"


def post_webhook(public_client, body: bytes, signature: str):
    return public_client.post(
        "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def pay_with_good_card(localstripe, customer_id: str, invoice_id: str) -> dict:
    """The municipality pays: a working card as default, then the open invoice is paid."""
    card = localstripe.post(
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    )
    localstripe.post(f"/v1/payment_methods/{card['id']}/attach", {"customer": customer_id})
    localstripe.post(
        f"/v1/customers/{customer_id}",
        {"invoice_settings[default_payment_method]": card["id"]},
    )
    return localstripe.post(f"/v1/invoices/{invoice_id}/pay")


def admin_client(municipality: Municipality, email: str | None = None) -> Client:
    from django_tenants.utils import schema_context

    client = host_client(municipality)
    with schema_context(municipality.schema_name):  # the account lives in its schema
        assert client.login(
            username=email or f"admin@{municipality.schema_name}.example.org",
            password="test-password-1",
        )
    connection.set_schema_to_public()
    return client
