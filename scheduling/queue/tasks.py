"""Celery tasks of the waiting room. Beat sends each one to every municipality's schema
(tenant-schemas-celery); they only call services."""

from __future__ import annotations

from celery import shared_task

from scheduling.queue.purge import personal_data_purge
from scheduling.queue.services import tickets_expire_at_closing, tickets_expire_no_shows
from tenants.selectors import current_municipality


# Task names keep the module path they were first registered under: beat entries and messages
# waiting in the broker carry them.
@shared_task(name="scheduling.queue_tasks.expire_no_shows")
def expire_no_shows() -> int:
    """Every minute: called citizens who did not join in time become no-shows."""
    return tickets_expire_no_shows()


@shared_task(name="scheduling.queue_tasks.expire_at_closing")
def expire_at_closing() -> int:
    """Every minute: tickets still waiting when their office closes expire."""
    return tickets_expire_at_closing()


@shared_task(
    name="scheduling.queue_tasks.purge_personal_data",
    runs_while_suspended=True,  # a legal duty a suspension does not pause
)
def purge_personal_data() -> dict:
    """Daily: anonymise this municipality's citizen data past its retention period."""
    tenant = current_municipality()
    return personal_data_purge(retention_days=tenant.data_retention_days).as_dict()
