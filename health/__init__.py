"""Liveness, readiness and the heartbeats of the platform's processes (public schema only).

`/healthz` and `/readyz` answer on every host before host routing (which needs the database),
so a probe gets 503 naming what is down instead of a 500. Readiness (CONTRACT §3): 200 only
when the database and the broker answer and a Celery worker and beat showed recent life.
"""
