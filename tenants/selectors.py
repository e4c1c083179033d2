from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Municipality


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.prefetch_related("domains").order_by("name")


def municipality_get(*, slug: str) -> Municipality | None:
    return municipality_list().filter(schema_name=slug).first()
