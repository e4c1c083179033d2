from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.errors import BillingError
from billing.models import BillingAccount
from billing.services import usage_report
from platform_core.dates import previous_month


class Command(BaseCommand):
    help = (
        "Report a month's video usage (sessions, minutes) as Stripe invoice items, once per "
        "municipality and month; a rerun bills nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--tenant", help="only this municipality (slug)")

    def handle(self, *args, **opts):
        if opts["month"]:
            try:
                month = date.fromisoformat(f"{opts['month']}-01")
            except ValueError as exc:
                raise CommandError("--month must look like 2026-10") from exc
        else:
            month = previous_month(timezone.localdate())
        accounts = BillingAccount.objects.select_related("municipality").exclude(
            stripe_customer_id=""
        )
        if opts["tenant"]:
            accounts = accounts.filter(municipality__schema_name=opts["tenant"])
            if not accounts.exists():
                raise CommandError(f"No billed municipality {opts['tenant']}")
        failed = 0
        for account in accounts:
            try:
                report = usage_report(account=account, month=month)
            except BillingError as exc:
                failed += 1
                self.stderr.write(f"{account.municipality.schema_name}: {exc.message}")
                continue
            self.stdout.write(
                f"{account.municipality.schema_name} {month:%Y-%m}: {report.sessions} sessions, "
                f"{report.minutes} minutes, {report.amount_cents / 100:.2f} EUR"
            )
        if failed:
            raise CommandError(f"{failed} municipalities not reported; run again to retry")
