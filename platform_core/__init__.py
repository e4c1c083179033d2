"""The platform layer: settings, per-host routing, ASGI/WSGI, the Celery app, plumbing.

Not called `platform` on purpose: a top-level package of that name shadows Python's standard
`platform` module (and with it `import uuid`).
"""

from platform_core.celery import app as celery_app

__all__ = ["celery_app"]
