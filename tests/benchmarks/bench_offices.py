"""Issue 3: GET /api/offices/ throughput against a bare Django JSON view (/healthz), same
process, same host, same run. Target: ratio >= 0.5."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django_tenants.utils import schema_context

from offices.models import Office, OpeningWindow, Service
from tests.benchmarks._util import measure, record

SLUGS = [f"bench-amt-{i}" for i in range(6)]


def test_office_list_throughput_vs_bare_view(django_db_blocker):
    host = f"alpha-stadt.{settings.PLATFORM_DOMAIN}"
    with django_db_blocker.unblock():
        with schema_context("alpha-stadt"):
            for i, slug in enumerate(SLUGS):
                office = Office.objects.create(slug=slug, name=f"Amt {i}")
                OpeningWindow.objects.bulk_create(
                    OpeningWindow(office=office, weekday=d, start=time(8), end=time(12))
                    for d in range(5)
                )
                Service.objects.create(office=office, slug="s", name="Leistung")
        try:
            client = Client(HTTP_HOST=host)
            assert client.get("/api/offices/").status_code == 200
            bare = measure(lambda: client.get("/healthz"), n=500, warmup=50)
            offices = measure(lambda: client.get("/api/offices/"), n=500, warmup=50)
            with override_settings(OFFICE_STATUS_CACHE_SECONDS=0):  # every request computes
                uncached = measure(lambda: client.get("/api/offices/"), n=300, warmup=30)
        finally:
            with schema_context("alpha-stadt"):
                Office.objects.filter(slug__in=SLUGS).delete()
            connection.set_schema_to_public()
    ratio = bare.mean_ms / offices.mean_ms  # throughput ratio = inverse of mean latency
    record(
        "office_list_vs_bare_view",
        offices=offices,
        bare=bare,
        throughput_ratio=ratio,
        uncached=uncached,
        uncached_throughput_ratio=bare.mean_ms / uncached.mean_ms,
    )
