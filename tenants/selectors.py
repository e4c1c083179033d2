from __future__ import annotations

from django.db.models import QuerySet

from platform_core import tenancy
from tenants.models import Municipality


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.prefetch_related("domains").order_by("name")


def municipality_get(*, slug: str) -> Municipality | None:
    return municipality_list().filter(schema_name=slug).first()


def current_municipality() -> Municipality:
    """The municipality whose schema is active (platform_core.tenancy); raises
    Municipality.DoesNotExist in the public schema."""
    tenant = tenancy.current_tenant()
    if not isinstance(tenant, Municipality):
        raise Municipality.DoesNotExist(f"no municipality in schema {tenancy.current_schema()}")
    return tenant
