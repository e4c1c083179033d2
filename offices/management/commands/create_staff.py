from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from offices.services import staff_account_create
from platform_core import tenancy
from platform_core.commands import validation_to_command_error


class Command(BaseCommand):
    help = "Create a staff member or administrator in one municipality."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="municipality slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--office", action="append", default=[], dest="offices")
        parser.add_argument("--role", choices=["staff", "admin"], default="staff")
        parser.add_argument("--name", default="")

    def handle(self, *args, **opts):
        tenant = tenancy.tenant_by_slug(opts["tenant"])
        if tenant is None:
            raise CommandError(f"No municipality “{opts['tenant']}”.")
        with tenancy.tenant_context(tenant):
            try:
                user = staff_account_create(
                    email=opts["email"],
                    password=opts["password"],
                    role=opts["role"],
                    office_slugs=opts["offices"],
                    full_name=opts["name"],
                )
            except ValidationError as exc:
                raise validation_to_command_error(exc) from exc
            except IntegrityError as exc:
                raise CommandError(f"{opts['email']} exists already in {tenant.slug}.") from exc
        self.stdout.write(f"{user.email} ({opts['role']}) in {tenant.slug}")
