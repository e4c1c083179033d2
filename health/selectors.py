from __future__ import annotations

from datetime import timedelta

from celery import current_app
from django import db
from django.conf import settings
from django.db import connection
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now

from health.models import ProcessHeartbeat

OK = "ok"


def readiness_get() -> dict[str, str]:
    """Each dependency of a ready platform → "ok" or why not.

    database and broker must answer; worker and beat must have written a heartbeat within
    HEARTBEAT_STALE_SECONDS (beat sends the worker a heartbeat task every HEARTBEAT_SECONDS,
    so a stale worker means nothing consumes the queue). The heartbeats are only read when
    the database answers.
    """
    checks = {"database": _database(), "broker": _broker()}
    if checks["database"] == OK:
        checks.update(_heartbeats())
    return checks


def _database() -> str:
    try:
        # Health answers before host routing: whatever schema a previous request of this
        # thread used, the heartbeats live in the public schema.
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except db.Error as exc:
        return exc.__class__.__name__
    return OK


def _broker() -> str:
    try:
        # The project's Celery app (health knows no other app; it is the current app).
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return exc.__class__.__name__
    return OK


def _heartbeats() -> dict[str, str]:
    stale = timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    try:
        ages = dict(
            ProcessHeartbeat.objects.annotate(
                age=ExpressionWrapper(Now() - F("seen_at"), output_field=DurationField())
            ).values_list("role", "age")
        )
    except db.Error as exc:
        return {"database": exc.__class__.__name__}
    checks = {}
    for role in ProcessHeartbeat.Role:
        age = ages.get(role.value)
        if age is None:
            checks[role.value] = "no heartbeat yet"
        elif age > stale:
            checks[role.value] = f"no heartbeat for {int(age.total_seconds())} s"
        else:
            checks[role.value] = OK
    return checks
