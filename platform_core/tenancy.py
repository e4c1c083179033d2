"""The tenant boundary in one place: which municipality a host or slug means, which schema the
connection uses, and the municipality's local time.

Every other module asks here instead of touching django-tenants or `connection.tenant` /
`connection.schema_name` itself (README "Layers"). The tenant model is reached through
`settings.TENANT_MODEL` (django-tenants' `get_tenant_model()`), the way `AUTH_USER_MODEL` is,
so the platform layer knows no domain app. Exceptions, documented where they are: the schema
DDL of onboarding (`tenants.schema_clone`, `Municipality.create_schema`) and `health`, which
answers before host routing and sits below this layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django_tenants import utils as tenant_utils


@runtime_checkable
class Tenant(Protocol):
    """What the platform needs of a municipality (tenants.models.Municipality)."""

    schema_name: str
    name: str
    time_zone: str

    @property
    def slug(self) -> str: ...

    @property
    def is_suspended(self) -> bool: ...

    def url(self) -> str: ...


def tenant_model() -> Any:
    """The tenant model class (settings.TENANT_MODEL)."""
    return tenant_utils.get_tenant_model()


def public_schema() -> str:
    return str(tenant_utils.get_public_schema_name())


def is_public_host(hostname: str) -> bool:
    return hostname in settings.PUBLIC_HOSTS


def tenant_for_hostname(hostname: str) -> Tenant | None:
    """The municipality answering on `hostname` (one of its domains), or None."""
    domain = (
        tenant_utils.get_tenant_domain_model()
        .objects.select_related("tenant")
        .filter(domain=hostname)
        .first()
    )
    if domain is None:
        return None
    tenant = domain.tenant
    tenant.domain_url = hostname
    return tenant  # type: ignore[no-any-return]


def tenant_by_slug(slug: str) -> Tenant | None:
    """The municipality whose slug (= schema name) is `slug`, or None (the public schema is no
    municipality)."""
    if slug == public_schema():
        return None
    return tenant_model().objects.filter(schema_name=slug).first()  # type: ignore[no-any-return]


def tenants_all() -> Iterator[Tenant]:
    """Every municipality, by slug (not the public schema)."""
    yield from tenant_model().objects.exclude(schema_name=public_schema()).order_by("schema_name")


def activate(tenant: Tenant) -> None:
    """Switch the connection to `tenant`'s schema (requests, tasks, commands)."""
    connection.set_tenant(tenant)  # type: ignore[attr-defined]


def activate_public() -> None:
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def current_schema() -> str:
    return str(connection.schema_name)  # type: ignore[attr-defined]


def in_public_schema() -> bool:
    return current_schema() == public_schema()


@contextmanager
def tenant_context(tenant: Tenant | str) -> Iterator[None]:
    """Run the block in a municipality's schema (given as the row or its schema name), then
    return to the schema that was active before."""
    schema = tenant if isinstance(tenant, str) else tenant.schema_name
    with tenant_utils.schema_context(schema):
        yield


@contextmanager
def public_context() -> Iterator[None]:
    with tenant_utils.schema_context(public_schema()):
        yield


def current_tenant() -> Tenant | None:
    """The municipality whose schema is active, or None in the public schema. Requests and
    Celery tasks set the row itself; `tenant_context` (tests, commands) only the schema name,
    so the row is then read."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, tenant_model()):
        return tenant  # type: ignore[no-any-return]
    schema = current_schema()
    if schema == public_schema():
        return None
    # The public tables stay on the search path of every schema.
    return tenant_model().objects.filter(schema_name=schema).first()  # type: ignore[no-any-return]


def current_tenant_is_suspended() -> bool:
    """Whether the active schema belongs to a suspended municipality (read afresh)."""
    schema = current_schema()
    if schema == public_schema():
        return False
    suspended = tenant_model().Status.SUSPENDED
    return bool(tenant_model().objects.filter(schema_name=schema, status=suspended).exists())


# --- the municipality's local time -----------------------------------------------------------


def local_tz(tenant: Tenant | None = None) -> ZoneInfo:
    """The time zone of `tenant` (default: the active municipality; the platform's own zone in
    the public schema)."""
    if tenant is None:
        tenant = current_tenant()
    zone = getattr(tenant, "time_zone", None) or settings.TIME_ZONE
    return ZoneInfo(zone)


def local_day(moment: datetime, tenant: Tenant | None = None) -> date:
    """The municipality's calendar date at `moment`."""
    return moment.astimezone(local_tz(tenant)).date()


def local_day_bounds(day: date, tenant: Tenant | None = None) -> tuple[datetime, datetime]:
    """[midnight, next midnight) of a local day as aware datetimes: 23 or 25 hours long on the
    days the clocks change."""
    tz = local_tz(tenant)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start, end
