"""Refuse to run production on development defaults, with a one-line reason each."""

from __future__ import annotations


class UnsafeProductionSettings(SystemExit):
    """Raised at import of the settings; SystemExit so the process prints one line and stops."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Refusing to start in production: {reason}")
        self.reason = reason


def assert_production_safe(
    *,
    secret_key: str,
    debug: bool,
    field_encryption_key: str,
    dev_secret_key: str,
    dev_field_key: str,
) -> None:
    if not secret_key or secret_key == dev_secret_key or len(secret_key) < 32:
        raise UnsafeProductionSettings("SECRET_KEY is unset, the development default, or short.")
    if debug:
        raise UnsafeProductionSettings("DEBUG is on; set DEBUG=false.")
    if not field_encryption_key or field_encryption_key == dev_field_key:
        raise UnsafeProductionSettings("FIELD_ENCRYPTION_KEY is unset or the development default.")
