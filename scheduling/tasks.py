"""Celery discovers tasks here; the waiting room and appointments keep theirs apart."""

from scheduling.booking_tasks import *  # noqa: F403
from scheduling.queue_tasks import *  # noqa: F403
