"""Migrate the public schema, the template schema new municipalities are cloned from, and
every municipality. Keeping the template current is what keeps onboarding fast."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_exists

from platform_core import tenancy


class Command(BaseCommand):
    help = "Migrate public, the tenant template and all municipalities."

    def add_arguments(self, parser):
        parser.add_argument(
            "--executor", default="standard", choices=["standard", "multiprocessing"]
        )

    def handle(self, *args, **opts):
        verbosity = opts["verbosity"]
        self.stdout.write("Migrating the public schema…")
        call_command(
            "migrate_schemas", shared=True, interactive=False, verbosity=max(0, verbosity - 1)
        )
        base = settings.TENANT_BASE_SCHEMA
        tenancy.activate_public()
        if not schema_exists(base):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{base}"')
        self.stdout.write(f"Migrating the template schema “{base}”…")
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=base,
            interactive=False,
            verbosity=max(0, verbosity - 1),
        )
        self.stdout.write("Migrating every municipality…")
        call_command(
            "migrate_schemas",
            tenant=True,
            interactive=False,
            executor=opts["executor"],
            verbosity=max(0, verbosity - 1),
        )
        tenancy.activate_public()
        self.stdout.write(self.style.SUCCESS("All schemas migrated."))
