"""Sentry, only when SENTRY_DSN is set: events tagged with the municipality, no personal data."""

from __future__ import annotations

from typing import Any

SCRUBBED = "[scrubbed]"


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Drop request bodies, cookies, query strings and user identity: citizens' data stays ours."""
    request = event.get("request") or {}
    for key in ("data", "cookies", "query_string"):
        if key in request:
            request[key] = SCRUBBED
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"authorization", "cookie", "x-csrftoken", "x-spark-signature"}:
            headers[name] = SCRUBBED
    if "user" in event:
        event["user"] = {"id": (event["user"] or {}).get("id")}
    return event


def init_sentry(*, dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )


def tag_municipality(schema_name: str) -> None:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover
        return
    sentry_sdk.get_isolation_scope().set_tag("municipality", schema_name)
