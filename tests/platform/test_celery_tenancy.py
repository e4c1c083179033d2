"""Celery tasks carry their municipality: a task sent inside a schema runs in that schema,
in a real worker, and the beat schedule only names tasks that exist."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from offices.models import StaffMember
from platform_core.celery import app
from tests.conftest import celery_worker
from tests.offices.factories import make_office, make_official


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_task_sent_from_a_municipality_runs_in_that_schema(committed_tenant):
    from offices.tasks import expire_stale_presence

    long_ago = timezone.now() - timedelta(hours=2)
    with committed_tenant.schema():
        office = make_office("amt")
        member = make_official(office, presence="available", last_seen_at=long_ago)
    connection.set_schema_to_public()

    with celery_worker():
        with schema_context(committed_tenant.slug):
            expire_stale_presence.delay()
        connection.set_schema_to_public()
        deadline = time.monotonic() + 15
        presence = None
        while time.monotonic() < deadline:
            with committed_tenant.schema():
                presence = StaffMember.objects.get(pk=member.pk).presence
            if presence == "away":
                break
            time.sleep(0.2)
    assert presence == "away"
