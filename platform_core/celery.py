"""The Celery app. tenant-schemas-celery records the schema a task was sent from and runs the
task in it, so every task carries its municipality."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = CeleryApp("vbb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
