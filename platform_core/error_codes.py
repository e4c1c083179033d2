"""Stable error codes of the platform layer (every host); the API returns them as `code`."""

# Request input every view is spared (platform_core.request_input).
PARSE_ERROR = "parse_error"  # not JSON (DRF's own code, kept)
JSON_TOO_DEEP = "json_too_deep"
NUL_CHARACTER = "nul_character"

# Tenancy.
MUNICIPALITY_SUSPENDED = "municipality_suspended"
