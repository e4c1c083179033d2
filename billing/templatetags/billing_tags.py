"""Template helpers of billing: money in cents, and the past_due banner that base.html shows
a municipality's admins on every page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import number_format

from billing.models import BillingAccount

register = template.Library()


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    amount = Decimal(cents or 0) / 100
    symbol = "€" if (currency or "EUR").upper() == "EUR" else currency.upper()
    return f"{number_format(amount, 2, use_l10n=True, force_grouping=True)} {symbol}"


@register.inclusion_tag("billing/_past_due_banner.html", takes_context=True)
def past_due_banner(context: template.Context) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if (
        tenant is None
        or tenant.status != tenant.Status.PAST_DUE
        or user is None
        or not user.is_authenticated
        or not getattr(user, "is_municipal_admin", False)
    ):
        return {"show": False}
    account = BillingAccount.objects.filter(municipality=tenant).only("past_due_since").first()
    deadline = None
    if account is not None and account.past_due_since is not None:
        deadline = account.past_due_since + timedelta(days=settings.BILLING_GRACE_PERIOD_DAYS)
    return {"show": True, "deadline": deadline}
