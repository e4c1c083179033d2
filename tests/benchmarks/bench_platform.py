"""Issue 2: onboarding latency (template clone vs plain migrate) and tenant-host request
latency with 1 and with 200 municipalities onboarded. Ratios come from the same run."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from tenants.models import Municipality
from tenants.services import OnboardingInput, municipality_onboard
from tests.benchmarks._util import Stats, measure, record


def onboard(slug: str) -> float:
    started = time.perf_counter()
    municipality_onboard(
        data=OnboardingInput(
            slug=slug,
            name=slug,
            state="BY",
            kind="town",
            domains=[],
            admin_email=f"admin@{slug}.example.org",
            admin_password="bench-password-1",
        )
    )
    return time.perf_counter() - started


def drop(prefix: str) -> None:
    connection.set_schema_to_public()
    for tenant in Municipality.objects.filter(schema_name__startswith=prefix):
        tenant.delete(force_drop=True)


def test_onboarding_clone_vs_migrate(django_db_blocker):
    with django_db_blocker.unblock():
        drop("bench-")
        try:
            cloned = Stats.of([onboard(f"bench-clone-{i}") for i in range(5)])
            with override_settings(TENANT_BASE_SCHEMA="no-template-schema"):
                migrated = Stats.of([onboard(f"bench-migrate-{i}") for i in range(3)])
        finally:
            drop("bench-")
    record(
        "onboarding",
        clone=cloned,
        migrate=migrated,
        speedup=migrated.p50_ms / cloned.p50_ms,
        clone_p50_s=cloned.p50_ms / 1000,
    )
    assert cloned.p50_ms < migrated.p50_ms


def test_tenant_request_latency_1_vs_200_municipalities(django_db_blocker):
    host = f"alpha-stadt.{settings.PLATFORM_DOMAIN}"
    with django_db_blocker.unblock():
        drop("bench-")
        client = Client(HTTP_HOST=host)
        request = lambda: client.get("/api/offices/")  # noqa: E731
        assert request().status_code == 200
        one = measure(request, n=300, warmup=30)
        try:
            started = time.perf_counter()
            durations = [onboard(f"bench-many-{i:03d}") for i in range(199)]
            setup_s = time.perf_counter() - started
            assert Municipality.objects.count() >= 200
            many = measure(request, n=300, warmup=30)
        finally:
            drop("bench-")
    record(
        "tenant_latency_1_vs_200",
        one=one,
        many=many,
        ratio_p50=many.p50_ms / one.p50_ms,
        onboard_199_s=setup_s,
    )
    # The schema copy's cost must not grow with the number of municipalities.
    first, last = Stats.of(durations[:20]), Stats.of(durations[-20:])
    record(
        "onboarding_first_20_vs_last_20_of_200",
        first=first,
        last=last,
        growth=last.p50_ms / first.p50_ms,
    )
