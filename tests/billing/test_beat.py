"""Billing's periodic work runs once in the public schema, not once per municipality."""

from __future__ import annotations

from django.conf import settings

from platform_core.beat import TenantBeatScheduler
from platform_core.celery import app


class RecordingScheduler(TenantBeatScheduler):
    """Celery's sending replaced by a record of the schema each message would carry."""

    def __init__(self) -> None:  # no schedule file, no beat loop
        self.sent: list[tuple[str, str]] = []
        self._missed = {}
        self._database_down = False

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        from django.db import connection

        self.sent.append((entry.task, connection.schema_name))


def test_billing_beat_entries_name_the_public_schema_only():
    for name in ("billing-suspend-overdue", "billing-sync-pending", "billing-report-usage"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["tenant_schemas"] == ["public"]


def test_a_public_entry_is_sent_once_in_the_public_schema(tenant_a, tenant_b):
    scheduler = RecordingScheduler()
    entries = scheduler._tenant_aware_beat_schedule_to_dict(
        {"billing-suspend-overdue": dict(settings.CELERY_BEAT_SCHEDULE["billing-suspend-overdue"])}
    )
    ((key, options),) = entries.items()
    entry = TenantBeatScheduler.Entry(name=key, app=app, **options)
    scheduler.apply_entry(entry)
    assert scheduler.sent == [("billing.tasks.suspend_overdue", "public")]
