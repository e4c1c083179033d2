"""Reads of the billing app: accounts with their invoices and usage, MRR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.models import BillingAccount, Invoice, StripeEvent
from billing.plans import CATALOGUE
from billing.services import month_bounds
from platform_core import tenancy
from platform_core.dates import month_start
from tenants.models import Municipality
from videoconf.selectors import VideoUsage, video_usage_between


def billing_account_list() -> QuerySet[BillingAccount]:
    """Every account with its invoice figures: open (count, amount due) and paid."""
    return (
        BillingAccount.objects.select_related("municipality")
        .annotate(
            open_count=Count("invoices", filter=Q(invoices__status="open")),
            open_cents=Coalesce(
                Sum("invoices__amount_due_cents", filter=Q(invoices__status="open")), 0
            ),
            paid_count=Count("invoices", filter=Q(invoices__status="paid")),
            paid_cents=Coalesce(
                Sum("invoices__amount_paid_cents", filter=Q(invoices__status="paid")), 0
            ),
        )
        .order_by("municipality__name")
    )


def billing_account_for(*, municipality: Municipality) -> BillingAccount | None:
    return billing_account_list().filter(municipality=municipality).first()


def billing_account_get(*, slug: str) -> BillingAccount | None:
    return billing_account_list().filter(municipality__schema_name=slug).first()


def invoice_list(*, account: BillingAccount) -> QuerySet[Invoice]:
    return Invoice.objects.filter(account=account).defer("xrechnung_xml")


def invoice_get(*, account: BillingAccount, invoice_id: int) -> Invoice | None:
    """An invoice of this account only (never another municipality's)."""
    return Invoice.objects.filter(account=account, pk=invoice_id).first()


def stripe_event_list(*, account: BillingAccount, limit: int = 20) -> list[StripeEvent]:
    return list(StripeEvent.objects.filter(account=account).defer("payload")[:limit])


def usage_this_month(*, account: BillingAccount, today: date | None = None) -> VideoUsage:
    """The municipality's video usage so far this month (its own schema, its time zone)."""
    municipality = account.municipality
    today = today or timezone.now().astimezone(ZoneInfo(municipality.time_zone)).date()
    start, end = month_bounds(month_start(today), municipality.time_zone)
    with tenancy.tenant_context(municipality):
        return video_usage_between(start=start, end=end)


@dataclass(frozen=True)
class MrrRow:
    plan: str
    plan_name: str
    state: str
    subscriptions: int
    mrr_cents: int


def mrr_table() -> tuple[list[MrrRow], int]:
    """Monthly recurring revenue by plan and state (`pending` while the Stripe subscription
    does not exist yet, otherwise the municipality's status). Yearly prices count a twelfth.
    Grouped in the database; the prices come from billing.plans."""
    groups = (
        BillingAccount.objects.values("plan", "interval", "sync_state", "municipality__status")
        .annotate(n=Count("id"), quantity=Sum("quantity"))
        .order_by()
    )
    rows: dict[tuple[str, str], list[int]] = {}
    for group in groups:
        definition = CATALOGUE.get(group["plan"])
        synced = group["sync_state"] == BillingAccount.SyncState.SYNCED
        state = group["municipality__status"] if synced else "pending"
        quantity = group["quantity"] if definition and definition.per_office else group["n"]
        value = definition.monthly_value_cents(group["interval"], quantity) if definition else 0
        entry = rows.setdefault((group["plan"], state), [0, 0])
        entry[0] += group["n"]
        entry[1] += value if synced else 0
    table = [
        MrrRow(
            plan=plan,
            plan_name=CATALOGUE[plan].name if plan in CATALOGUE else plan,
            state=state,
            subscriptions=count,
            mrr_cents=cents,
        )
        for (plan, state), (count, cents) in sorted(rows.items())
    ]
    return table, sum(row.mrr_cents for row in table)
