"""Onboarding creates exactly one Stripe customer and one subscription, after its own commit;
Stripe down or rate-limiting is retried with the same idempotency keys and never doubles."""

from __future__ import annotations

from django.test import Client

from billing.models import BillingAccount
from tenants.models import Municipality
from tests.billing.conftest import LEITWEG_ID, eager, onboard


def customers_of(localstripe, slug: str) -> list[dict]:
    return [c for c in localstripe.all("customers") if c["metadata"].get("municipality") == slug]


def subscriptions_of(localstripe, customer_id: str) -> list[dict]:
    return [s for s in localstripe.all("subscriptions") if s["customer"] == customer_id]


def test_onboarding_creates_exactly_one_customer_and_one_subscription(
    stripe_env, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced"
    customers = customers_of(stripe_env, municipality.schema_name)
    assert len(customers) == 1
    customer = customers[0]
    assert customer["id"] == account.stripe_customer_id
    assert customer["email"] == f"admin@{municipality.schema_name}.example.org"
    assert customer["name"] == municipality.name
    assert customer["address"] == {
        "line1": "Marktplatz 1",
        "postal_code": "93133",
        "city": "Burglengenfeld",
        "country": "DE",
    }
    assert customer["metadata"]["leitweg_id"] == LEITWEG_ID
    subscriptions = subscriptions_of(stripe_env, customer["id"])
    assert [s["id"] for s in subscriptions] == [account.stripe_subscription_id]
    assert subscriptions[0]["plan"]["id"] == "vbb-standard-month-v1"
    assert subscriptions[0]["status"] == "active"
    assert account.subscription_status == "active"


def test_stripe_rate_limit_is_waited_out_with_the_same_idempotency_key(
    edge_proxy, eager_celery, django_capture_on_commit_callbacks
):
    # Stripe answers the customer creation twice with 429 and Retry-After: 1.
    edge_proxy.rules.append(("429", "/v1/customers", 2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced"
    attempts = [s for s in edge_proxy.seen if s.path == "/v1/customers" and s.method == "POST"]
    assert [a.answered for a in attempts] == [429, 429, 200]
    assert len({a.idempotency_key for a in attempts}) == 1
    assert attempts[0].idempotency_key == f"vbb-{municipality.schema_name}-{account.pk}-customer"
    assert attempts[1].at - attempts[0].at >= 0.95  # Retry-After honoured
    assert len(customers_of(edge_proxy_upstream(edge_proxy), municipality.schema_name)) == 1


def edge_proxy_upstream(proxy):
    from tests.billing.stripe_fakes import LocalStripe

    upstream = LocalStripe.__new__(LocalStripe)
    upstream.url = proxy.upstream
    return upstream


def test_a_lost_answer_is_retried_and_stripe_replays_it_instead_of_billing_twice(
    edge_proxy, eager_celery, django_capture_on_commit_callbacks
):
    # The subscription is created at Stripe, but the answer is lost (500 on the way back).
    edge_proxy.rules.append(("lose", "/v1/subscriptions", 1))
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced"
    posts = [s for s in edge_proxy.seen if s.path == "/v1/subscriptions"]
    assert [p.answered for p in posts] == [500, 200]
    assert posts[0].idempotency_key == posts[1].idempotency_key
    upstream = edge_proxy_upstream(edge_proxy)
    assert len(subscriptions_of(upstream, account.stripe_customer_id)) == 1
    assert len(customers_of(upstream, municipality.schema_name)) == 1


def test_stripe_down_leaves_a_visible_pending_state_that_a_retry_completes(
    settings, stripe_env, django_capture_on_commit_callbacks
):
    from billing.tasks import sync_account
    from tests.billing.stripe_fakes import free_port

    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        municipality = onboard()
    assert len(callbacks) == 1  # the sync task, sent once onboarding has committed
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "pending"
    # Stripe stays unreachable: the task retries (eagerly here, with backoff in a worker)
    # until its retries run out; then billing is visibly not set up, with the reason.
    result = sync_account.apply(args=[account.pk])
    assert result.state == "FAILURE"
    account.refresh_from_db()
    assert municipality.status == "active"
    assert account.sync_state == "failed"
    assert "unreachable" in account.sync_error
    assert account.stripe_customer_id == ""
    assert account.sync_attempts == sync_account.max_retries + 1
    # Stripe is back; the vendor retries from the console.
    settings.STRIPE_API_BASE = stripe_env.url
    from tests.conftest import api_token

    client = Client(HTTP_HOST="localhost")
    token = api_token(client, "vendor@example.org")
    with eager(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/platform/municipalities/{municipality.schema_name}/billing/retry/",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    assert response.status_code == 202
    account.refresh_from_db()
    assert account.sync_state == "synced" and account.sync_error == ""
    assert len(customers_of(stripe_env, municipality.schema_name)) == 1
    assert len(subscriptions_of(stripe_env, account.stripe_customer_id)) == 1


def test_send_invoice_parameters_go_to_stripe(
    settings, edge_proxy, eager_celery, django_capture_on_commit_callbacks
):
    """Production pays by invoice. localstripe refuses these two parameters, so the edge
    proxy records what we send and forwards the rest."""
    settings.STRIPE_COLLECTION_METHOD = "send_invoice"
    settings.STRIPE_DAYS_UNTIL_DUE = 30
    edge_proxy.rules.append(("strip", "/v1/subscriptions", ["collection_method", "days_until_due"]))
    with django_capture_on_commit_callbacks(execute=True):
        municipality = onboard(plan="county", kind="county")
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "synced"
    sent = next(s for s in edge_proxy.seen if s.path == "/v1/subscriptions")
    assert sent.params["collection_method"] == ["send_invoice"]
    assert sent.params["days_until_due"] == ["30"]
    assert sent.params["items[0][plan]"] == ["vbb-county-month-v1"]
    assert sent.params["metadata[municipality]"] == [municipality.schema_name]
    assert len(sent.params["default_tax_rates[0]"]) == 1


def test_bad_leitweg_id_refuses_the_onboarding_and_leaves_nothing(
    stripe_env, public_client, vendor_token, django_capture_on_commit_callbacks
):
    body = {
        "slug": "leitweg-falsch",
        "name": "Stadt Falsch",
        "state": "BY",
        "kind": "town",
        "admin_email": "it@falsch.de",
        "billing": {"leitweg_id": "04011000-1234512345-07"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = public_client.post(
            "/api/platform/municipalities/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {vendor_token}",
        )
    assert response.status_code == 400
    assert response.json()["code"] == "leitweg_id_invalid"
    assert "billing" in response.json()["errors"]
    assert not Municipality.objects.filter(schema_name="leitweg-falsch").exists()
    assert not BillingAccount.objects.filter(municipality__schema_name="leitweg-falsch").exists()
    assert customers_of(stripe_env, "leitweg-falsch") == []


def test_without_stripe_onboarding_records_a_pending_account_and_calls_nobody(
    settings, db, django_capture_on_commit_callbacks
):
    settings.STRIPE_API_KEY = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        municipality = onboard()
    account = BillingAccount.objects.get(municipality=municipality)
    assert account.sync_state == "pending" and account.plan == "standard"
    assert account.billing_email == f"admin@{municipality.schema_name}.example.org"
    assert account.leitweg_id == LEITWEG_ID
    assert len(callbacks) == 0  # no Stripe task without Stripe


def test_plans_command_is_idempotent(stripe_env):
    from django.core.management import call_command

    before = {p["id"] for p in stripe_env.all("plans")}
    call_command("billing_sync_plans", verbosity=0)
    after = stripe_env.all("plans")
    assert {p["id"] for p in after} == before
    ours = {p["id"] for p in after if p["id"].startswith("vbb-")}
    assert ours == {
        f"vbb-{code}-{interval}-v1"
        for code in ("standard", "plus", "county")
        for interval in ("month", "year")
    }
    rates = [r for r in stripe_env.all("tax_rates") if r["metadata"].get("vbb-vat")]
    assert len(rates) == 1 and rates[0]["percentage"] == 19.0
