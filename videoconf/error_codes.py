"""Stable error codes of the videoconf app (API `code`, VideoProviderError.code, logs)."""

VIDEO_UNAVAILABLE = "video_unavailable"
# Webex: the first four mirror videoconf.webex.errors so logs and API answers line up.
WEBEX_AUTH_FAILED = "webex_auth_failed"
WEBEX_UNAVAILABLE = "webex_unavailable"
WEBEX_TIMEOUT = "webex_timeout"
WEBEX_RATE_LIMITED = "webex_rate_limited"
WEBEX_BAD_REQUEST = "webex_bad_request"
WEBEX_NOT_FOUND = "webex_not_found"
WEBEX_NOT_CONFIGURED = "webex_not_configured"
# Webhooks
WEBHOOK_SIGNATURE_MISSING = "signature_missing"
WEBHOOK_SIGNATURE_INVALID = "signature_invalid"
WEBHOOK_UNKNOWN_TENANT = "unknown_tenant"
WEBHOOK_NOT_CONFIGURED = "webhook_not_configured"
WEBHOOK_BAD_PAYLOAD = "webhook_bad_payload"
# Built-in room signalling
SESSION_NOT_FOUND = "session_not_found"
SESSION_ENDED = "session_ended"
SIGNAL_INVALID = "signal_invalid"
SIGNAL_TOO_LARGE = "signal_too_large"
SIGNAL_LIMIT_REACHED = "signal_limit_reached"
# Integration settings
API_BASE_NOT_ALLOWED = "api_base_not_allowed"
CREDENTIALS_INCOMPLETE = "credentials_incomplete"
