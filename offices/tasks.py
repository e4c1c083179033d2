from celery import shared_task

from offices.services import presence_expire_stale


@shared_task
def expire_stale_presence() -> int:
    """Runs in every municipality's schema (see platform_core.tasks.for_each_municipality)."""
    return presence_expire_stale()
