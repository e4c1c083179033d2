"""Celery discovers tasks here; the waiting room and appointments keep theirs apart (their task
names keep the old module paths: beat entries and queued messages carry them)."""

from scheduling.appointments.tasks import *  # noqa: F403
from scheduling.queue.tasks import *  # noqa: F403
