"""Celery tasks of the waiting room."""
