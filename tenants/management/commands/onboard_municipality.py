from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from platform_core.commands import validation_to_command_error
from tenants.services import OnboardingInput, municipality_onboard


class Command(BaseCommand):
    help = "Onboard a municipality: schema, domains, first administrator, billing account."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--state", required=True, help="Land code, e.g. BY")
        parser.add_argument("--kind", required=True, choices=["town", "county"])
        parser.add_argument("--domain", action="append", default=[], dest="domains")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--plan", default=None)

    def handle(self, *args, **opts):
        data = OnboardingInput(
            slug=opts["slug"],
            name=opts["name"],
            state=opts["state"],
            kind=opts["kind"],
            domains=opts["domains"],
            admin_email=opts["admin_email"],
            admin_password=opts["admin_password"],
            plan=opts["plan"],
        )
        try:
            tenant = municipality_onboard(
                data=data, progress=lambda m: self.stderr.write(m) if opts["verbosity"] else None
            )
        except ValidationError as exc:
            raise validation_to_command_error(exc) from exc
        self.stdout.write(tenant.url())
