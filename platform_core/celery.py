"""The Celery app. tenant-schemas-celery records the schema a task was sent from and runs the
task in it, so every task carries its municipality.

A suspended municipality's doors are closed for Celery too: a task that runs in its schema
does nothing (and logs so), whether beat sent it or it was queued before the suspension, so
no periodic work changes its citizens' cases (no-show and closing expiry, reminders, video
sessions, presence). The exceptions are listed in RUNS_WHILE_SUSPENDED: the deletion of
personal data past the retention period is a legal duty that a suspension does not pause.
"""

from __future__ import annotations

import logging
import os

from django.db import connection
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

logger = logging.getLogger(__name__)

RUNS_WHILE_SUSPENDED = frozenset({"scheduling.queue_tasks.purge_personal_data"})


def running_in_suspended_municipality() -> bool:
    """Whether the current schema belongs to a suspended municipality (read afresh)."""
    from django_tenants.utils import get_public_schema_name

    from tenants.models import Municipality

    schema = connection.schema_name
    if schema == get_public_schema_name():
        return False
    return Municipality.objects.filter(
        schema_name=schema, status=Municipality.Status.SUSPENDED
    ).exists()


class MunicipalTask(TenantTask):
    """Every task of the app: runs in its municipality's schema, and not at all while that
    municipality is suspended (unless named in RUNS_WHILE_SUSPENDED)."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if self.name not in RUNS_WHILE_SUSPENDED and running_in_suspended_municipality():
            logger.info("%s skipped: the municipality is suspended", self.name)
            return None
        return super().__call__(*args, **kwargs)


class PlatformCeleryApp(CeleryApp):
    task_cls = "platform_core.celery:MunicipalTask"


app = PlatformCeleryApp("vbb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
