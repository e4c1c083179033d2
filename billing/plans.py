"""The one definition of what the vendor sells, from which `manage.py billing_sync_plans`
creates the Stripe Products and Plans (monthly and yearly) and the VAT rate, idempotently.

Stripe plans cannot change their amount: to change a price, raise `version`; the next sync
creates new plans beside the old ones, and new subscriptions use them."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.plans import Plan

CURRENCY = "eur"
INTERVALS = ("month", "year")


@dataclass(frozen=True)
class PlanDefinition:
    code: str
    name: str
    description: str
    # "per office": the subscription's quantity is the number of offices contracted.
    per_office: bool
    monthly_cents: int
    yearly_cents: int
    # Usage, billed per month as invoice items: each video session and each started minute.
    session_cents: int
    minute_cents: int
    version: int = 1

    def amount_cents(self, interval: str) -> int:
        return self.monthly_cents if interval == "month" else self.yearly_cents

    @property
    def product_id(self) -> str:
        return f"vbb-{self.code}"

    def stripe_plan_id(self, interval: str) -> str:
        return f"vbb-{self.code}-{interval}-v{self.version}"

    def monthly_value_cents(self, interval: str, quantity: int) -> int:
        """Monthly recurring revenue of one subscription (a yearly price counts a twelfth)."""
        amount = self.amount_cents(interval) * quantity
        return amount if interval == "month" else round(amount / 12)


CATALOGUE: dict[str, PlanDefinition] = {
    Plan.STANDARD: PlanDefinition(
        code=Plan.STANDARD,
        name="Virtuelles Bürgerbüro Basis",
        description="Je Dienststelle: Warteraum, Terminbuchung, Videoberatung",
        per_office=True,
        monthly_cents=9_900,
        yearly_cents=99_000,
        session_cents=50,
        minute_cents=5,
    ),
    Plan.PLUS: PlanDefinition(
        code=Plan.PLUS,
        name="Virtuelles Bürgerbüro Plus",
        description="Je Dienststelle, mit Webex-Anbindung und Statistik",
        per_office=True,
        monthly_cents=14_900,
        yearly_cents=149_000,
        session_cents=30,
        minute_cents=4,
    ),
    Plan.COUNTY: PlanDefinition(
        code=Plan.COUNTY,
        name="Virtuelles Bürgerbüro Kreis",
        description="Pauschal für einen Landkreis mit allen Dienststellen",
        per_office=False,
        monthly_cents=49_900,
        yearly_cents=499_000,
        session_cents=20,
        minute_cents=3,
    ),
}


def plan_definition(code: str) -> PlanDefinition:
    return CATALOGUE[code]
