"""The Celery app (part of the composition root: it finds every app's tasks). Its task class,
platform_core.task_base.MunicipalTask, runs each task in its municipality's schema and not while
that municipality is suspended."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")


class PlatformCeleryApp(CeleryApp):
    task_cls = "platform_core.task_base:MunicipalTask"


app = PlatformCeleryApp("vbb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
