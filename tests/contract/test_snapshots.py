"""What scripts and clients rely on stays put while the code moves (issue 10): the OpenAPI schema
of both hosts, every URL pattern with its name, the Celery task names (beat and queued messages
name them) and the management commands of CONTRACT.md §2.

The schemas and the URL inventory are compared with committed snapshots. A deliberate change to
the API updates them: `VBB_UPDATE_SNAPSHOTS=1 make test ARGS="tests/contract"`, and the diff is
reviewed with the change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.core.management import get_commands
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from platform_core.celery import app as celery_app

SNAPSHOTS = Path(__file__).parent / "snapshots"
URLCONFS = {"tenant": "platform_core.urls_tenant", "public": "platform_core.urls_public"}


def _compare(name: str, current: object) -> None:
    path = SNAPSHOTS / name
    text = json.dumps(current, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("VBB_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path} is missing: run with VBB_UPDATE_SNAPSHOTS=1 once"
    assert json.loads(path.read_text()) == current, (
        f"{name} changed. If on purpose, run `VBB_UPDATE_SNAPSHOTS=1 make test "
        f'ARGS="tests/contract"` and review the diff.'
    )


def _url_inventory(patterns, prefix: str = "") -> list[list[str]]:
    rows: list[list[str]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            rows += _url_inventory(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            rows.append([prefix + str(entry.pattern), entry.name or ""])
    return rows


@pytest.mark.parametrize("host", sorted(URLCONFS))
def test_openapi_schema_is_unchanged(host):
    schema = SchemaGenerator(urlconf=URLCONFS[host]).get_schema(request=None, public=True)
    _compare(f"openapi-{host}.json", json.loads(json.dumps(schema, default=str)))


@pytest.mark.parametrize("host", sorted(URLCONFS))
def test_url_patterns_and_names_are_unchanged(host):
    _compare(f"urls-{host}.json", _url_inventory(get_resolver(URLCONFS[host]).url_patterns))


# Task names are what beat entries and messages waiting in the broker carry: a renamed task
# drops them as "unregistered". Moving a task's code keeps its name (`@shared_task(name=…)`).
TASK_NAMES = {
    "health.tasks.worker_heartbeat",
    "offices.tasks.expire_stale_presence",
    "scheduling.queue_tasks.expire_no_shows",
    "scheduling.queue_tasks.expire_at_closing",
    "scheduling.queue_tasks.purge_personal_data",
    "scheduling.booking_tasks.send_appointment_reminders",
    "scheduling.booking_tasks.open_appointment_video_sessions",
    "scheduling.booking_tasks.send_appointment_mail",
    "videoconf.tasks.retry_remote_cleanup",
    "billing.tasks.suspend_overdue",
    "billing.tasks.sync_pending_accounts",
    "billing.tasks.report_usage",
}


def test_celery_task_names_are_unchanged():
    celery_app.loader.import_default_modules()
    assert set(celery_app.tasks) >= TASK_NAMES


def test_every_beat_entry_names_a_registered_task(settings):
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(celery_app.tasks)


def test_the_contract_s_management_commands_exist():
    commands = set(get_commands())
    assert {"onboard_municipality", "create_staff", "seed_demo", "purge_personal_data"} <= commands
