from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from health import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class HealthCheckMiddleware:
    """Answers the probes first, on any host: host routing looks the host up in the database,
    and a probe must say "database" (503) when that is what is down, not fail with a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
