"""`manage.py purge_personal_data`: anonymise citizen data past each municipality's retention
period (CONTRACT.md §2) and print what was removed, per municipality."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from platform_core import tenancy
from scheduling.purge import personal_data_purge
from tenants.selectors import municipality_list


class Command(BaseCommand):
    help = "Anonymise tickets and appointments older than each municipality's retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--tenant",
            action="append",
            dest="tenants",
            metavar="SLUG",
            help="only this municipality (repeatable)",
        )

    def handle(self, *args, tenants=None, **options) -> None:
        tenancy.activate_public()
        qs = (
            municipality_list().exclude(schema_name=tenancy.public_schema()).order_by("schema_name")
        )
        if tenants:
            qs = qs.filter(schema_name__in=tenants)
        total_tickets = total_appointments = 0
        for municipality in qs:
            tenancy.activate(municipality)
            try:
                result = personal_data_purge(retention_days=municipality.data_retention_days)
            finally:
                tenancy.activate_public()
            total_tickets += result.tickets
            total_appointments += result.appointments
            self.stdout.write(
                f"{municipality.schema_name}: {result.tickets} tickets and "
                f"{result.appointments} appointments anonymised "
                f"(older than {municipality.data_retention_days} days)"
            )
        self.stdout.write(f"total: {total_tickets} tickets, {total_appointments} appointments")
