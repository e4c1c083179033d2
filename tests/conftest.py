"""Test plumbing shared by every test: two municipalities on their own hosts, clients bound to
a host, and committed throw-away municipalities for concurrency tests.

The session's municipalities are onboarded once per test database (kept with --reuse-db) by
the real onboarding service; each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_django.fixtures as pytest_django_fixtures
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from platform_core.models import User
from tenants.models import Municipality

TENANTS = {
    # slug: (name, state, kind) — Bavaria and Berlin differ on 6 January (Epiphany).
    "alpha-stadt": ("Stadt Alpha", "BY", "town"),
    "beta-kreis": ("Landkreis Beta", "BE", "county"),
}
PASSWORD = "test-password-1"


# --- the clock: VBB_TEST_NOW runs the whole session at another moment -------------------------
# No test may depend on today's date, weekday or time of day. CI proves it by running the suite
# once more with the clock moved (`.ci/run` picks a Thursday afternoon: the demo hours have a
# Thursday afternoon). time-machine moves this process's clock only and lets it tick on; the
# database server and subprocesses keep the real time, which no test compares against.
def pytest_configure(config) -> None:
    when = os.environ.get("VBB_TEST_NOW")
    if not when:
        return
    import time_machine

    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Berlin"))
    config._vbb_clock = time_machine.travel(moment, tick=True)
    config._vbb_clock.start()


def pytest_report_header(config) -> str | None:
    if getattr(config, "_vbb_clock", None) is None:
        return None
    now = datetime.now(ZoneInfo("Europe/Berlin"))
    return f"clock moved by VBB_TEST_NOW: now is {now:%A %Y-%m-%d %H:%M %Z}"


def pytest_unconfigure(config) -> None:
    if getattr(config, "_vbb_clock", None) is not None:
        config._vbb_clock.stop()


# A Monday morning in winter time, no public holiday in Bavaria or Berlin.
WEEKDAY_MORNING = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def weekday_morning() -> Iterator[datetime]:
    """For tests that act at the current time, which a request cannot pass in (joining the
    waiting room, the day plan): run them at WEEKDAY_MORNING, the clock ticking from there,
    whatever day and time it really is. Ask for it before fixtures that read the time."""
    import time_machine

    with time_machine.travel(WEEKDAY_MORNING, tick=True):
        yield WEEKDAY_MORNING


@pytest.fixture
def real_clock() -> Iterator[None]:
    """For tests that exchange timestamps with another process, which keeps the real time
    (localstripe signs its webhooks and dates its invoices with it): the real time, ticking,
    even when VBB_TEST_NOW has moved the session's clock."""
    import time_machine
    from time_machine import escape_hatch

    if not escape_hatch.is_travelling():  # the clock is real already (escape_hatch would raise)
        yield
        return
    with time_machine.travel(escape_hatch.time.time(), tick=True):
        yield


# --- skips: always said why (-rfEs in pyproject's addopts); VBB_NO_SKIPS=1 (set by .ci/run) ----
# makes any skip fail the run, so CI cannot pass with tests that did not run (e.g. the Webex
# conformance tests without ../shared/webex).
def _skipped(config) -> list:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return reporter.stats.get("skipped", []) if reporter else []


def pytest_sessionfinish(session, exitstatus) -> None:
    if os.environ.get("VBB_NO_SKIPS") and _skipped(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("VBB_NO_SKIPS") and _skipped(config):
        terminalreporter.write_line(
            f"VBB_NO_SKIPS is set and {len(_skipped(config))} test(s) or module(s) were "
            "skipped (reasons above): the run fails.",
            red=True,
        )


@dataclass
class TenantCtx:
    tenant: Municipality
    host: str
    admin_email: str

    @property
    def slug(self) -> str:
        return self.tenant.schema_name

    def client(self, **extra) -> Client:
        return Client(HTTP_HOST=self.host, **extra)

    def schema(self):
        return schema_context(self.slug)


def _ensure_tenant(slug: str, name: str, state: str, kind: str) -> Municipality:
    from tenants.services import OnboardingInput, municipality_onboard

    connection.set_schema_to_public()
    tenant = Municipality.objects.filter(schema_name=slug).first()
    if tenant is None:
        tenant = municipality_onboard(
            data=OnboardingInput(
                slug=slug,
                name=name,
                state=state,
                kind=kind,
                domains=[],
                admin_email=f"admin@{slug}.example.org",
                admin_password=PASSWORD,
            )
        )
    return tenant


_databases_for_setup = pytest_django_fixtures._get_databases_for_setup


def _always_the_default_database(items):
    """pytest-django sets up the test database only when a collected test uses `db`; tests
    that commit for real (threads, benchmarks) use none, and would otherwise run against the
    configured database itself."""
    aliases, serialized = _databases_for_setup(items)
    return set(aliases) | {"default"}, serialized


pytest_django_fixtures._get_databases_for_setup = _always_the_default_database


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After pytest-django made (or reused) the test database: migrate the template schema
    and every municipality, then make sure the session's municipalities and vendor exist."""
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"refusing to run tests against database {name}"
    with django_db_blocker.unblock():
        call_command("migrate_platform", verbosity=0)
        for slug, (name, state, kind) in TENANTS.items():
            _ensure_tenant(slug, name, state, kind)
        connection.set_schema_to_public()
        if not User.objects.filter(email="vendor@example.org").exists():
            User.objects.create_user(
                "vendor@example.org", PASSWORD, role="vendor", is_staff=True, is_superuser=True
            )


@pytest.fixture(scope="session", autouse=True)
def _celery_tasks_run_where_they_are_sent() -> None:
    """Tasks run eagerly, in the sending thread and schema (with their retries, without the
    waits), as a worker would run them; a test that starts a real worker switches this off."""
    from platform_core.celery import app

    app.conf.task_always_eager = True


def celery_broker_reset() -> None:
    """Forget the Celery app's broker connections and producer pools, so the next send uses
    the broker now configured. app.close() drops the connection pool but not the producer
    pool (which eager sends create too), and it deregisters the app, after which shared tasks
    of modules imported later would no longer reach it: register it again."""
    from celery._state import _register_app

    from platform_core.celery import app

    app.close()
    _register_app(app)
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str, *, eager: bool = False) -> Iterator[None]:
    """Send tasks to the broker at `url` (the write URL outranks broker_url, and
    CELERY_BROKER_URL in the environment outranks both)."""
    from platform_core.celery import app

    previous = (app.conf.broker_write_url, app.conf.broker_read_url, app.conf.task_always_eager)
    app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.task_always_eager = eager
    celery_broker_reset()
    try:
        yield
    finally:
        app.conf.broker_write_url, app.conf.broker_read_url, app.conf.task_always_eager = previous
        celery_broker_reset()


@contextmanager
def celery_worker() -> Iterator[None]:
    """A real Celery worker (a thread of this process) consuming from an in-memory broker
    that this process's producers publish to, for tests of what eager mode hides: schemas
    carried in messages, retries with their countdowns."""
    from celery.contrib.testing.worker import start_worker

    from platform_core.celery import app

    previous_options = app.conf.broker_transport_options
    app.conf.broker_transport_options = {"polling_interval": 0.05}  # default: once a second
    try:
        with (
            celery_broker("memory://"),
            start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
        ):
            yield
    finally:
        app.conf.broker_transport_options = previous_options
        connection.close()


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()  # throttling counters and cached pages must not leak between tests
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


def _ctx(slug: str) -> TenantCtx:
    connection.set_schema_to_public()
    tenant = Municipality.objects.get(schema_name=slug)
    return TenantCtx(
        tenant=tenant,
        host=f"{slug}.{settings.PLATFORM_DOMAIN}",
        admin_email=f"admin@{slug}.example.org",
    )


@pytest.fixture
def tenant_a(db) -> TenantCtx:
    return _ctx("alpha-stadt")


@pytest.fixture
def tenant_b(db) -> TenantCtx:
    return _ctx("beta-kreis")


@pytest.fixture
def public_client(db) -> Client:
    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


def api_token(client: Client, email: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/api/auth/token/", {"email": email, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def vendor_token(public_client) -> str:
    return api_token(public_client, "vendor@example.org")


_counter = itertools.count()


@pytest.fixture
def committed_tenant(django_db_setup, django_db_blocker) -> Iterator[TenantCtx]:
    """A municipality whose writes really commit (for tests with threads or processes).
    Onboarded fresh from the template and dropped afterwards, so nothing leaks."""
    slug = f"tmp-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"
    with django_db_blocker.unblock():
        tenant = _ensure_tenant(slug, "Temporäre Stadt", "BY", "town")
        ctx = TenantCtx(
            tenant=tenant,
            host=f"{slug}.{settings.PLATFORM_DOMAIN}",
            admin_email=f"admin@{slug}.example.org",
        )
        try:
            yield ctx
        finally:
            connection.set_schema_to_public()
            Municipality.objects.get(pk=tenant.pk).delete(force_drop=True)
