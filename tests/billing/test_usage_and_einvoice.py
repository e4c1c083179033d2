"""Video usage is billed once per municipality and month; every finalised invoice has an
XRechnung (CII) that validates against the EN 16931 CII schema and carries what XRechnung
requires of a German public buyer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import drafthorse
import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context
from lxml import etree

from billing.models import Invoice, UsageReport
from billing.services import usage_report
from tests.billing.conftest import LEITWEG_ID, pay_with_good_card, post_webhook, public
from videoconf.models import VideoSession

BERLIN = ZoneInfo("Europe/Berlin")
OCTOBER = datetime(2026, 10, 1).date()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def add_sessions(slug: str) -> None:
    """October 2026 (Europe/Berlin): three sessions, 10 min, 20 min 30 s (→ 21) and one still
    running; one just before and one just after the month do not count."""
    with schema_context(slug):
        for start, length in [
            (local(2026, 10, 1, 0, 5), timedelta(minutes=10)),
            (local(2026, 10, 31, 23, 30), timedelta(minutes=20, seconds=30)),  # after DST end
            (local(2026, 10, 15, 9, 0), None),
            (local(2026, 9, 30, 23, 55), timedelta(minutes=7)),
            (local(2026, 11, 1, 0, 0), timedelta(minutes=9)),
        ]:
            VideoSession.objects.create(
                provider="builtin",
                status="ended" if length else "live",
                started_at=start,
                ended_at=start + length if length else None,
            )
    public()


def usage_items(localstripe, customer_id: str, month: str = "2026-10") -> list[dict]:
    return [
        item
        for item in localstripe.all("invoiceitems")
        if item["customer"] == customer_id and item["metadata"].get("usage_month") == month
    ]


def test_usage_reported_twice_for_one_month_is_billed_once(billed, stripe_env):
    slug = billed.municipality.schema_name
    add_sessions(slug)
    call_command("billing_report_usage", "--month", "2026-10", "--tenant", slug, verbosity=0)
    call_command("billing_report_usage", "--month", "2026-10", "--tenant", slug, verbosity=0)
    report = UsageReport.objects.get(account=billed, month=OCTOBER)
    assert (report.sessions, report.minutes) == (3, 31)
    assert report.amount_cents == 3 * 50 + 31 * 5
    items = usage_items(stripe_env, billed.stripe_customer_id)
    assert sorted((i["metadata"]["metric"], i["amount"]) for i in items) == [
        ("minutes", 155),
        ("sessions", 150),
    ]
    assert sorted(report.stripe_invoice_item_ids) == sorted(i["id"] for i in items)
    assert UsageReport.objects.filter(account=billed).count() == 1


def test_an_interrupted_report_is_completed_without_a_second_charge(settings, billed, edge_proxy):
    """Stripe created the first item but the answer never came back, and by the rerun the
    idempotency key has expired (Stripe keeps them 24 h): the item is found by its key in
    the metadata and not created again."""
    add_sessions(billed.municipality.schema_name)
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    edge_proxy.rules.append(("lose", "/v1/invoiceitems", 1))
    with pytest.raises(Exception, match="Stripe error"):
        usage_report(account=billed, month=OCTOBER)
    assert UsageReport.objects.get(account=billed, month=OCTOBER).reported_at is None
    edge_proxy.replies.clear()  # the idempotency keys have expired
    report = usage_report(account=billed, month=OCTOBER)
    assert report.reported_at is not None
    upstream_items = [
        s for s in edge_proxy.seen if s.path == "/v1/invoiceitems" and s.method == "POST"
    ]
    assert len(upstream_items) == 2  # the lost one and the minutes; sessions not re-sent
    from tests.billing.test_onboarding_billing import edge_proxy_upstream

    items = usage_items(edge_proxy_upstream(edge_proxy), billed.stripe_customer_id)
    assert sorted(i["metadata"]["metric"] for i in items) == ["minutes", "sessions"]


def xsd() -> etree.XMLSchema:
    path = Path(drafthorse.__file__).parent / "schema" / "Factur-X_1.0.07_EN16931.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def test_every_finalised_invoice_has_an_xrechnung_that_validates(
    billed, stripe_env, webhook_sink, public_client, django_capture_on_commit_callbacks
):
    add_sessions(billed.municipality.schema_name)
    usage_report(account=billed, month=OCTOBER)
    # Stripe's next invoice of the subscription takes the usage items; it is paid and
    # Stripe tells us (localstripe: invoice.payment_succeeded, signed and delivered).
    invoice = stripe_env.post(
        "/v1/invoices",
        {"customer": billed.stripe_customer_id, "subscription": billed.stripe_subscription_id},
    )
    pay_with_good_card(stripe_env, billed.stripe_customer_id, invoice["id"])
    delivery = webhook_sink.wait_for(
        lambda e: (
            e["type"] == "invoice.payment_succeeded" and e["data"]["object"]["id"] == invoice["id"]
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(public_client, delivery.body, delivery.signature).status_code == 200
    row = Invoice.objects.get(stripe_invoice_id=invoice["id"])
    assert row.status == "paid" and row.has_xrechnung
    stripe_invoice = stripe_env.get(f"/v1/invoices/{invoice['id']}")

    document = etree.fromstring(bytes(row.xrechnung_xml))
    schema = xsd()
    assert schema.validate(document), schema.error_log

    def text(path: str) -> list[str]:
        return [e.text for e in document.xpath(path, namespaces=NS)]

    # XRechnung 3.0 (CIUS of EN 16931) for a German public buyer:
    assert text(
        "//rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    ) == ["urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"]
    assert text("//ram:BuyerReference") == [LEITWEG_ID]  # BT-10, BR-DE-15
    buyer_address = document.xpath(
        "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID", namespaces=NS
    )
    assert buyer_address[0].get("schemeID") == "0204" and buyer_address[0].text == LEITWEG_ID
    assert text("//ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonName")  # BR-DE-5
    assert text(
        "//ram:SellerTradeParty/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber"
    )  # BR-DE-6
    assert text(
        "//ram:SellerTradeParty/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"
    )  # BR-DE-7
    assert text("//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CityName")  # BR-DE-3
    assert text("//ram:SellerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode")  # BR-DE-4
    assert text("//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName") == ["Burglengenfeld"]
    assert text("//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:PostcodeCode") == ["93133"]
    assert text("//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]  # BR-DE-13
    assert text("//ram:PayeePartyCreditorFinancialAccount/ram:IBANID")  # BR-DE-23
    assert text("//ram:SpecifiedTradePaymentTerms/ram:Description")  # BT-20
    # The amounts are Stripe's: lines, VAT and total add up (BR-CO-10, -13, -15).
    lines = [
        float(x)
        for x in text("//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    ]
    assert len(lines) == 3  # the plan and the two usage items
    total = document.xpath("//ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS)[
        0
    ]
    assert float(total.findtext("ram:LineTotalAmount", namespaces=NS)) == pytest.approx(sum(lines))
    assert (
        round(float(total.findtext("ram:GrandTotalAmount", namespaces=NS)) * 100)
        == stripe_invoice["total"]
    )
    assert (
        round(float(total.findtext("ram:TaxTotalAmount", namespaces=NS)) * 100)
        == stripe_invoice["tax"]
    )
