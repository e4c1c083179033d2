"""Cisco Webex integration: the REST client (``client``) and its errors. (A fake Webex server for
tests and local trials lives outside the product, in devtools.webex_fake.)

Pure Python, no Django imports, so it can be used from Celery tasks, management commands
and tests alike.
"""

from .client import (
    CONSULTATION_MEETING_SETTINGS,
    DEFAULT_API_BASE,
    AccessTokenProvider,
    RefreshingTokenProvider,
    StaticTokenProvider,
    TokenSet,
    WebexClient,
    refresh_access_token,
)
from .errors import (
    WebexAuthFailed,
    WebexBadRequest,
    WebexError,
    WebexNotFound,
    WebexRateLimited,
    WebexTimeout,
    WebexUnavailable,
)

__all__ = [
    "CONSULTATION_MEETING_SETTINGS",
    "DEFAULT_API_BASE",
    "AccessTokenProvider",
    "RefreshingTokenProvider",
    "StaticTokenProvider",
    "TokenSet",
    "WebexAuthFailed",
    "WebexBadRequest",
    "WebexClient",
    "WebexError",
    "WebexNotFound",
    "WebexRateLimited",
    "WebexTimeout",
    "WebexUnavailable",
    "refresh_access_token",
]
