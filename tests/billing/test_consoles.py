"""The vendor's billing console and API (plan, subscription, invoices, usage, MRR) and the
municipality's admins' read-only page; nobody sees another municipality's invoices."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from billing.models import BillingAccount, Invoice
from tests.billing.conftest import admin_client, host_client, public
from tests.conftest import api_token


def vendor_client() -> Client:
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    assert client.login(username="vendor@example.org", password="test-password-1")
    return client


def an_invoice(account: BillingAccount, number: str = "VBB-1", status: str = "open") -> Invoice:
    return Invoice.objects.create(
        account=account,
        stripe_invoice_id=f"in_{number}",
        number=number,
        status=status,
        total_cents=11_781,
        amount_due_cents=11_781,
        amount_paid_cents=11_781 if status == "paid" else 0,
        xrechnung_xml=b"<rsm:CrossIndustryInvoice/>",
    )


def test_vendor_sees_plan_subscription_invoices_usage_and_mrr(billed):
    an_invoice(billed, "VBB-1", "open")
    an_invoice(billed, "VBB-2", "paid")
    client = vendor_client()
    page = client.get("/platform/billing/").content.decode()
    assert billed.municipality.name in page
    assert "Monthly recurring revenue" in page or "Monatlich wiederkehrender Umsatz" in page
    detail = client.get(f"/platform/billing/{billed.municipality.schema_name}/")
    assert detail.status_code == 200
    assert (
        "VBB-1" in detail.content.decode()
        and billed.stripe_subscription_id in detail.content.decode()
    )

    token = api_token(Client(HTTP_HOST=settings.PLATFORM_DOMAIN), "vendor@example.org")
    api = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get(
        f"/api/platform/municipalities/{billed.municipality.schema_name}/billing/"
    ).json()
    assert body["plan"] == "standard" and body["subscription_status"] == "active"
    assert body["open_invoices"] == 1 and body["paid_invoices"] == 1
    assert body["open_cents"] == 11_781 and body["paid_cents"] == 11_781
    assert body["usage_this_month"] == {"sessions": 0, "minutes": 0}
    assert {i["number"] for i in body["invoices"]} == {"VBB-1", "VBB-2"}
    mrr = api.get("/api/platform/billing/mrr/").json()
    row = next(r for r in mrr["rows"] if r["plan"] == "standard" and r["state"] == "active")
    assert row["subscriptions"] >= 1 and row["mrr_cents"] >= 9_900
    assert mrr["total_cents"] >= row["mrr_cents"]
    xml = api.get(
        f"/api/platform/municipalities/{billed.municipality.schema_name}/billing/invoices/"
        f"{Invoice.objects.get(number='VBB-1').pk}/xrechnung/"
    )
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"


def test_vendor_changes_billing_details_and_a_bad_leitweg_id_is_a_clear_400(
    billed, stripe_env, django_capture_on_commit_callbacks
):
    token = api_token(Client(HTTP_HOST=settings.PLATFORM_DOMAIN), "vendor@example.org")
    api = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/platform/municipalities/{billed.municipality.schema_name}/billing/"
    bad = api.patch(url, {"leitweg_id": "123"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": bad.json()["detail"],
        "code": "leitweg_id_invalid",
        "field": "leitweg_id",
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        good = api.patch(
            url,
            {"leitweg_id": "09376116-rechnung-06", "vat_id": "de 123456789"},
            content_type="application/json",
        )
    assert good.status_code == 200
    assert good.json()["leitweg_id"] == "09376116-RECHNUNG-06"
    assert good.json()["vat_id"] == "DE123456789"
    # … and the Stripe customer follows.
    assert len(callbacks) == 1, callbacks
    customer = stripe_env.get(f"/v1/customers/{billed.stripe_customer_id}")
    assert customer["metadata"]["leitweg_id"] == "09376116-RECHNUNG-06"
    assert customer["metadata"]["vat_id"] == "DE123456789"


def test_admins_see_their_own_invoices_read_only_and_no_one_elses(billed, tenant_a):
    mine = an_invoice(billed, "VBB-MINE")
    other_account = BillingAccount.objects.get(municipality=tenant_a.tenant)
    theirs = an_invoice(other_account, "VBB-THEIRS")
    admin = admin_client(billed.municipality)
    page = admin.get("/staff/billing/").content.decode()
    assert "VBB-MINE" in page and "VBB-THEIRS" not in page
    assert admin.get(f"/staff/billing/invoices/{mine.pk}/xrechnung.xml").status_code == 200
    assert admin.get(f"/staff/billing/invoices/{theirs.pk}/xrechnung.xml").status_code == 404
    assert admin.post("/staff/billing/").status_code == 405  # read-only
    api = admin.get("/api/admin/billing/").json()
    assert [i["number"] for i in api["invoices"]] == ["VBB-MINE"]
    # The other municipality's admin, on its own host, sees only its own.
    other = admin_client(tenant_a.tenant)
    assert other.get(f"/staff/billing/invoices/{mine.pk}/xrechnung.xml").status_code == 404
    assert [i["number"] for i in other.get("/api/admin/billing/").json()["invoices"]] == [
        "VBB-THEIRS"
    ]
    # A session of one host is worthless on another.
    foreign = admin.get("/staff/billing/", HTTP_HOST=tenant_a.host)
    assert foreign.status_code == 302
    public()


def test_staff_and_citizens_get_no_billing(billed):
    citizen = host_client(billed.municipality)
    assert citizen.get("/api/admin/billing/").status_code in (401, 403)
    assert citizen.get("/staff/billing/").status_code == 302
    public()
    assert Client(HTTP_HOST=settings.PLATFORM_DOMAIN).get("/platform/billing/").status_code == 302
