"""The beat scheduler `make run` uses: tenant-schemas-celery's, plus entries for the public
schema. Its scheduler sends an entry to the municipalities its `tenant_schemas` name, looked up
as tenant rows; the public schema has no row, so an entry naming "public" would never run.
Here it runs once, in the public schema (billing's scans over all accounts, for example)."""

from __future__ import annotations

from celery.beat import ScheduleEntry
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler


class PlatformScheduler(TenantAwarePersistentScheduler):
    def apply_entry(self, entry: ScheduleEntry, producer=None) -> None:
        headers = entry.options.setdefault("headers", {})
        if headers.get("_schema_name") == get_public_schema_name():
            with schema_context(get_public_schema_name()):
                self.apply_async(entry, producer=producer, advance=False)
            return
        super().apply_entry(entry, producer=producer)
