from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from billing.errors import BillingError
from billing.services import billing_plans_sync


class Command(BaseCommand):
    help = "Create the plans of billing.plans (Products, monthly and yearly Plans, VAT) in Stripe."

    def handle(self, *args, **opts):
        try:
            result = billing_plans_sync()
        except BillingError as exc:
            raise CommandError(exc.message) from exc
        for name in result.created:
            self.stdout.write(f"created {name}")
        self.stdout.write(f"{len(result.created)} created, {len(result.existing)} already there")
