"""Exceptions raised by the Webex client.

Callers (views, Celery tasks) branch on ``code``, a stable string that is safe to store
and to show to support staff; ``message`` is Webex's own text and ``tracking_id`` is what
Cisco support asks for when a call misbehaved.
"""

from __future__ import annotations


class WebexError(Exception):
    """Base class of every error the Webex client raises."""

    code: str = "webex_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        tracking_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.tracking_id = tracking_id
        # Only meaningful for rate limiting / locked resources: seconds Webex asked us to wait.
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [f"{self.code}: {self.message}"]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.tracking_id:
            parts.append(f"trackingId={self.tracking_id}")
        return " ".join(parts)


class WebexUnavailable(WebexError):
    """5xx answers or network failures that persisted through all retries."""

    code = "webex_unavailable"


class WebexTimeout(WebexUnavailable):
    """Webex did not answer within the configured timeout.

    A subclass of ``WebexUnavailable`` because callers usually treat both the same
    ("try again later"), while the distinct code still shows up in logs and metrics.
    """

    code = "webex_timeout"


class WebexRateLimited(WebexError):
    """429 that persisted, or whose Retry-After exceeded what we are willing to wait."""

    code = "webex_rate_limited"


class WebexAuthFailed(WebexError):
    """401/403, or a refresh token Webex no longer accepts: an admin must re-authorise."""

    code = "webex_auth_failed"


class WebexBadRequest(WebexError):
    """400/409/415/... : the request itself is wrong; retrying will not help."""

    code = "webex_bad_request"


class WebexNotFound(WebexError):
    """404: the meeting, webhook, ... does not exist (or belongs to another organisation)."""

    code = "webex_not_found"


__all__ = [
    "WebexAuthFailed",
    "WebexBadRequest",
    "WebexError",
    "WebexNotFound",
    "WebexRateLimited",
    "WebexTimeout",
    "WebexUnavailable",
]
