"""The base class of every Celery task (the app's `task_cls`, platform_core.celery).

tenant-schemas-celery records the schema a task was sent from and runs the task in it, so every
task carries its municipality. A suspended municipality's doors are closed for Celery too: a
task that runs in its schema does nothing (and logs so), whether beat sent it or it was queued
before the suspension, so no periodic work changes its citizens' cases (no-show and closing
expiry, reminders, video sessions, presence). A task declared with
`@shared_task(runs_while_suspended=True)` is the exception: the deletion of personal data past
the retention period is a legal duty that a suspension does not pause.
"""

from __future__ import annotations

import logging
from typing import Any

from tenant_schemas_celery.task import TenantTask

from platform_core import tenancy

logger = logging.getLogger("platform_core.celery")


class MunicipalTask(TenantTask):  # type: ignore[misc]  # tenant-schemas-celery is untyped
    """Every task of the app: runs in its municipality's schema, and not at all while that
    municipality is suspended (unless it runs_while_suspended)."""

    abstract = True
    runs_while_suspended = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.runs_while_suspended and tenancy.current_tenant_is_suspended():
            logger.info("%s skipped: the municipality is suspended", self.name)
            return None
        return super().__call__(*args, **kwargs)
