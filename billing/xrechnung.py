"""XRechnung (CIUS of EN 16931 for German public bodies, version 3.0) in its UN/CEFACT CII
syntax, built with drafthorse and validated on serialisation against the EN 16931 CII schema
that drafthorse ships (the Factur-X 1.0.07 EN16931 XSD, a restriction of CII D16B).

What XRechnung adds to EN 16931 and this document carries: the specification identifier
(BT-24), the buyer reference = Leitweg-ID (BT-10, BR-DE-15), the seller's contact with name,
phone and e-mail (BT-41..43, BR-DE-2, -5..7), seller and buyer city and post code (BR-DE-3,
-4, -8, -9), electronic addresses of seller and buyer (BT-34, BT-49; the buyer's is the
Leitweg-ID, scheme 0204), the payment means with the payee's IBAN for credit transfers (code
58, BT-84, BR-DE-13, -23) and the payment terms (BT-20)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

XRECHNUNG_GUIDELINE = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
SCHEMA = "FACTUR-X_EN16931"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postal_code: str
    city: str
    country: str = "DE"
    vat_id: str = ""
    email: str = ""
    contact_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    net_amount_cents: int
    unit_code: str = "C62"  # one (piece); XRechnung uses UN/ECE Rec. 20 codes


@dataclass(frozen=True)
class EInvoice:
    number: str
    issue_date: date
    due_date: date
    currency: str
    seller: Party
    seller_iban: str
    seller_bic: str
    buyer: Party
    leitweg_id: str
    lines: list[Line]
    vat_percent: Decimal
    tax_cents: int
    period_start: date | None = None
    period_end: date | None = None
    payment_terms: str = ""
    notes: list[str] = field(default_factory=list)


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def build_xrechnung(invoice: EInvoice) -> bytes:
    """The CII document of one invoice; raises lxml's XMLSyntaxError if it breaks the schema."""
    doc = Document()
    doc.context.business_parameter.id = PEPPOL_BILLING_PROCESS
    doc.context.guideline_parameter.id = XRECHNUNG_GUIDELINE
    doc.header.id = invoice.number
    doc.header.type_code = "380"  # commercial invoice
    doc.header.issue_date_time = invoice.issue_date
    for text in invoice.notes:
        note = IncludedNote()
        note.content = text
        doc.header.notes.add(note)

    agreement = doc.trade.agreement
    agreement.buyer_reference = invoice.leitweg_id
    seller = agreement.seller
    seller.name = invoice.seller.name
    seller.contact.person_name = invoice.seller.contact_name
    seller.contact.telephone.number = invoice.seller.phone
    seller.contact.email.address = invoice.seller.email
    _address(seller.address, invoice.seller)
    seller.electronic_address.uri_ID = ("EM", invoice.seller.email)
    if invoice.seller.vat_id:
        seller.tax_registrations.add(TaxRegistration(id=("VA", invoice.seller.vat_id)))
    buyer = agreement.buyer
    buyer.name = invoice.buyer.name
    _address(buyer.address, invoice.buyer)
    # BT-49: the Leitweg-ID as the buyer's electronic address (scheme 0204).
    buyer.electronic_address.uri_ID = ("0204", invoice.leitweg_id)
    if invoice.buyer.vat_id:
        buyer.tax_registrations.add(TaxRegistration(id=("VA", invoice.buyer.vat_id)))

    settlement = doc.trade.settlement
    settlement.currency_code = invoice.currency.upper()
    settlement.payment_reference = invoice.number
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = invoice.seller_iban
    if invoice.seller_bic:
        means.payee_institution.bic = invoice.seller_bic
    settlement.payment_means.add(means)
    terms = PaymentTerms()
    terms.description = invoice.payment_terms or f"Zahlbar bis {invoice.due_date:%d.%m.%Y}."
    terms.due = invoice.due_date
    settlement.terms.add(terms)
    if invoice.period_start and invoice.period_end:
        settlement.period.start = invoice.period_start
        settlement.period.end = invoice.period_end

    line_total = 0
    for number, line in enumerate(invoice.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = line.description
        unit_price = _money(line.net_amount_cents) / line.quantity if line.quantity else Decimal(0)
        item.agreement.net.amount = unit_price.quantize(Decimal("0.0001"))
        item.delivery.billed_quantity = (line.quantity, line.unit_code)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = "S"
        item.settlement.trade_tax.rate_applicable_percent = invoice.vat_percent
        item.settlement.monetary_summation.total_amount = _money(line.net_amount_cents)
        doc.trade.items.add(item)
        line_total += line.net_amount_cents

    tax = ApplicableTradeTax()
    tax.calculated_amount = _money(invoice.tax_cents)
    tax.basis_amount = _money(line_total)
    tax.type_code = "VAT"
    tax.category_code = "S"
    tax.rate_applicable_percent = invoice.vat_percent
    settlement.trade_tax.add(tax)

    total = settlement.monetary_summation
    total.line_total = _money(line_total)
    total.charge_total = _money(0)
    total.allowance_total = _money(0)
    total.tax_basis_total = _money(line_total)
    total.tax_total = (_money(invoice.tax_cents), invoice.currency.upper())
    total.grand_total = _money(line_total + invoice.tax_cents)
    total.due_amount = _money(line_total + invoice.tax_cents)
    return doc.serialize(schema=SCHEMA)


def _address(target, party: Party) -> None:
    target.line_one = party.street
    target.postcode = party.postal_code
    target.city_name = party.city
    target.country_id = party.country
