"""Celery tasks of the waiting room. Beat sends each one to every municipality's schema
(tenant-schemas-celery); they only call services."""

from __future__ import annotations

from celery import shared_task


@shared_task
def expire_no_shows() -> int:
    """Every minute: called citizens who did not join in time become no-shows."""
    from scheduling.queue_services import tickets_expire_no_shows

    return tickets_expire_no_shows()


@shared_task
def expire_at_closing() -> int:
    """Every minute: tickets still waiting when their office closes expire."""
    from scheduling.queue_services import tickets_expire_at_closing

    return tickets_expire_at_closing()


@shared_task(runs_while_suspended=True)  # a legal duty a suspension does not pause
def purge_personal_data() -> dict:
    """Daily: anonymise this municipality's citizen data past its retention period."""
    from scheduling.purge import personal_data_purge
    from tenants.selectors import current_municipality

    tenant = current_municipality()
    return personal_data_purge(retention_days=tenant.data_retention_days).as_dict()
