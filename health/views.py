"""Liveness and readiness, answered by health.middleware.HealthCheckMiddleware on every host."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse

from health.selectors import OK, readiness_get

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness_get()
    failed = {name: why for name, why in checks.items() if why != OK}
    if failed:
        logger.warning("not ready: %s", failed)
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok", **checks})
