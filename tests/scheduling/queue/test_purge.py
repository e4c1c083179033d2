"""Deletion after use (CONTRACT.md §2): `purge_personal_data` anonymises tickets and
appointments past each municipality's retention period and says what it did."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from platform_core.models import AuditLog
from scheduling.appointments.models import Appointment
from scheduling.queue.models import Ticket, hash_secret
from scheduling.queue.purge import personal_data_purge
from scheduling.queue.tasks import purge_personal_data
from tenants.models import Municipality
from tests.offices.factories import make_office, make_official
from tests.scheduling.queue.queue_support import make_appointment

NOW = timezone.now()


def ticket(office, n, *, status="done", finished_days_ago=None, created_days_ago=0, **fields):
    t = Ticket.objects.create(
        office=office,
        day=NOW.date(),
        sequence=n,
        number=f"B-{n:03d}",
        token_hash=hash_secret(f"t-{office.pk}-{n}"),
        status=status,
        name="Erika Muster",
        email="erika@example.org",
        phone="0941 1",
        **fields,
        finished_at=NOW - timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None,
    )
    Ticket.objects.filter(pk=t.pk).update(created_at=NOW - timedelta(days=created_days_ago))
    return t


@pytest.fixture
def data(tenant_a):
    with tenant_a.schema():
        office = make_office("buergerbuero")
        official = make_official(office)
        rows = {
            "old_done": ticket(office, 1, finished_days_ago=31, created_days_ago=31),
            "old_no_show": ticket(
                office, 2, status="no_show", finished_days_ago=40, created_days_ago=40
            ),
            "recent_done": ticket(office, 3, finished_days_ago=29, created_days_ago=29),
            "waiting": ticket(office, 4, status="waiting"),
            "old_appointment": make_appointment(
                office=office,
                official=official,
                start=NOW - timedelta(days=31),
                name="Max Muster",
                email="max@example.org",
                phone="0941 2",
                note="Pass",
                manage_token_hash=hash_secret("manage"),
            ),
            "recent_appointment": make_appointment(
                office=office,
                official=official,
                start=NOW - timedelta(days=2),
                name="Eva",
                email="eva@example.org",
            ),
            "future_appointment": make_appointment(
                office=office, official=official, start=NOW + timedelta(days=3), name="Ida"
            ),
        }
    return rows


def reload(ctx, obj):
    with ctx.schema():
        return type(obj).objects.get(pk=obj.pk)


def test_purge_anonymises_what_is_older_than_the_retention_period(tenant_a, data):
    with tenant_a.schema():
        result = personal_data_purge(retention_days=30, now=NOW)
    assert (result.tickets, result.appointments) == (2, 1)
    for key in ("old_done", "old_no_show"):
        t = reload(tenant_a, data[key])
        assert (t.name, t.email, t.phone) == ("", "", "") and t.anonymised_at == NOW
        assert t.number and t.finished_at  # the statistics stay
    a = reload(tenant_a, data["old_appointment"])
    assert (a.name, a.email, a.phone, a.note, a.manage_token_hash) == ("", "", "", "", "")
    assert a.anonymised_at == NOW and a.reference
    for key in ("recent_done", "waiting", "recent_appointment", "future_appointment"):
        row = reload(tenant_a, data[key])
        assert row.name and row.anonymised_at is None
    with tenant_a.schema():
        assert AuditLog.objects.filter(action="privacy.purge").get().changes == {
            "retention_days": 30,
            "tickets": 2,
            "appointments": 1,
        }
        # Idempotent: a second run finds nothing more.
        assert personal_data_purge(retention_days=30, now=NOW).as_dict() == {
            "tickets": 0,
            "appointments": 0,
        }


def test_the_command_uses_each_municipalitys_retention_and_reports_per_municipality(
    tenant_a, tenant_b, data
):
    with tenant_b.schema():
        office = make_office("rathaus")
        beta_old = ticket(office, 1, finished_days_ago=31, created_days_ago=31)
    connection.set_schema_to_public()
    Municipality.objects.filter(pk=tenant_b.tenant.pk).update(data_retention_days=60)
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    text = out.getvalue()
    assert "alpha-stadt: 2 tickets and 1 appointments anonymised (older than 30 days)" in text
    assert "beta-kreis: 0 tickets and 0 appointments anonymised (older than 60 days)" in text
    assert reload(tenant_b, beta_old).name == "Erika Muster"  # 31 days < beta's 60
    assert reload(tenant_a, data["old_done"]).name == ""


def test_the_daily_task_purges_only_its_own_municipality(tenant_a, tenant_b, data):
    with tenant_b.schema():
        beta_old = ticket(make_office("rathaus"), 1, finished_days_ago=31, created_days_ago=31)
    connection.set_tenant(tenant_a.tenant)
    try:
        assert purge_personal_data() == {"tickets": 2, "appointments": 1}
    finally:
        connection.set_schema_to_public()
    assert reload(tenant_b, beta_old).name == "Erika Muster"


def test_the_beat_schedule_runs_the_queue_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "scheduling.queue_tasks.expire_no_shows",
        "scheduling.queue_tasks.expire_at_closing",
        "scheduling.queue_tasks.purge_personal_data",
    } <= tasks
    assert Appointment  # the model the purge covers besides tickets
