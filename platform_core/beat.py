"""Celery beat's scheduler (`make run`, production): tenant-aware, and it outlives the database.

tenant-schemas-celery's TenantAwarePersistentScheduler sends an entry without
`tenant_schemas` once to every municipality's schema, which it lists from the database at
each due time. Its connection is opened once and never checked, so after a database restart
the next list query raised and beat died. Here each tick first drops a connection that is
broken or past CONN_MAX_AGE (as Django does around each request), an entry whose
municipalities cannot be listed is retried every RETRY_SECONDS until the database answers
(a daily purge at 03:15 is not skipped for a day because the database restarted then), and
beat records its heartbeat for /readyz. Entries for the public schema (`tenant_schemas:
["public"]`, e.g. the worker heartbeat) need no municipality row and no database.
"""

from __future__ import annotations

import logging
import time

from celery.beat import ScheduleEntry
from django import db
from django.conf import settings
from django.db import close_old_connections
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from health.models import ProcessHeartbeat
from health.services import heartbeat_record
from platform_core import tenancy

logger = logging.getLogger(__name__)


class TenantBeatScheduler(TenantAwarePersistentScheduler):
    RETRY_SECONDS = 2.0

    def __init__(self, *args, **kwargs) -> None:
        self._missed: dict[str, ScheduleEntry] = {}
        self._next_retry = 0.0
        self._next_heartbeat = 0.0
        self._database_down = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        close_old_connections()
        self._heartbeat()
        self._retry_missed()
        interval = super().tick(*args, **kwargs)
        return min(interval, self.RETRY_SECONDS) if self._missed else interval

    def apply_entry(self, entry: ScheduleEntry, producer=None) -> None:
        try:
            self._send(entry, producer)
        except db.Error as exc:
            self._missed[entry.name] = entry
            self._database_lost(exc, f"{entry.name} not sent yet")
        else:
            self._missed.pop(entry.name, None)

    def _send(self, entry: ScheduleEntry, producer) -> None:
        public = tenancy.public_schema()
        if entry.options.get("headers", {}).get("_schema_name") != public:
            super().apply_entry(entry, producer=producer)
            return
        logger.info(
            "Scheduler: Sending due task %s (%s) to the public schema", entry.name, entry.task
        )
        with tenancy.public_context():
            try:
                self.apply_async(entry, producer=producer, advance=False)
            except Exception:  # the broker: logged like celery's own apply_entry, beat goes on
                logger.exception("Could not send %s", entry.name)

    def _retry_missed(self) -> None:
        if not self._missed or time.monotonic() < self._next_retry:
            return
        self._next_retry = time.monotonic() + self.RETRY_SECONDS
        for entry in list(self._missed.values()):
            self.apply_entry(entry, producer=self.producer)
            if entry.name in self._missed:
                return  # still down: the rest waits for the next retry

    def _heartbeat(self) -> None:
        if time.monotonic() < self._next_heartbeat:
            return
        try:
            heartbeat_record(role=ProcessHeartbeat.Role.BEAT)
        except db.Error as exc:
            self._next_heartbeat = time.monotonic() + self.RETRY_SECONDS
            self._database_lost(exc, "heartbeat not written")
            return
        self._next_heartbeat = time.monotonic() + settings.HEARTBEAT_SECONDS
        if self._database_down:
            self._database_down = False
            logger.warning("The database answers again.")

    def _database_lost(self, exc: db.Error, what: str) -> None:
        close_old_connections()
        if not self._database_down:
            self._database_down = True
            logger.warning(
                "The database does not answer (%s: %s); %s, retrying every %s s.",
                exc.__class__.__name__,
                str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                what,
                self.RETRY_SECONDS,
            )
        else:
            logger.info("%s: the database still does not answer", what)
