"""Helpers for management commands: one-line failures instead of tracebacks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def validation_to_command_error(exc: ValidationError) -> CommandError:
    if hasattr(exc, "error_dict"):
        parts = [
            f"{field}: {'; '.join(m for e in errs for m in e.messages)}"
            for field, errs in exc.error_dict.items()
        ]
    else:
        parts = exc.messages
    return CommandError(" | ".join(parts))
