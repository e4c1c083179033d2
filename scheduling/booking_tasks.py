"""Celery tasks of appointments."""
