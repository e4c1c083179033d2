from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django import db
from django.db import close_old_connections

from health.models import ProcessHeartbeat
from health.services import heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Beat sends this every HEARTBEAT_SECONDS to the public schema: a worker that runs it
    proves it consumes the queue (see health.selectors.readiness_get)."""
    heartbeat_record(role=ProcessHeartbeat.Role.WORKER)


@worker_ready.connect
def _heartbeat_when_the_worker_starts(**kwargs) -> None:
    # Ready from the first second of `make run`, not only after beat's first heartbeat task.
    try:
        heartbeat_record(role=ProcessHeartbeat.Role.WORKER)
    except db.Error as exc:
        logger.warning("worker heartbeat not written, the database does not answer: %s", exc)
    finally:
        close_old_connections()
