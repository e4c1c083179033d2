"""API errors are JSON `{"detail": ..., "code": ...}` with a 4xx status, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApiError(exceptions.APIException):
    """A domain error with a stable code, raised by services and turned into a response."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        detail: str,
        code: str,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=detail, code=code)
        if status_code is not None:
            self.status_code = status_code
        self.code = code
        self.extra = extra or {}


def drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as DRF (field) errors, keeping each error's code (Django's
    own conversion in the handler below keeps the messages but drops the codes)."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [
                    exceptions.ErrorDetail(message, code=error.code or "invalid")
                    for error in errors
                    for message in error.messages
                ]
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError(
        [exceptions.ErrorDetail(m, code=exc.code or "invalid") for m in exc.messages]
    )


@contextmanager
def service_errors() -> Iterator[None]:
    """Around a service call in an API view: its ValidationError becomes a 400 with field
    errors and codes."""
    try:
        yield
    except DjangoValidationError as exc:
        raise drf_validation_error(exc) from exc


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        message = _first_message(value)
        return message if key in ("non_field_errors", "detail") else f"{key}: {message}"
    return str(detail)


def _first_code(detail: Any, default: str) -> str:
    if isinstance(detail, list) and detail:
        return _first_code(detail[0], default)
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())), default)
    return getattr(detail, "code", None) or default


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = {"detail": str(exc.detail), "code": exc.code, **exc.extra}
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        # Field errors appear both under "errors" and, as DRF clients expect, at the top level.
        response.data = {
            **fields,
            "detail": _first_message(exc.detail),
            "code": _first_code(exc.detail, "invalid"),
            "errors": fields,
        }
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    code = getattr(getattr(exc, "detail", None), "code", None) or exc.__class__.__name__.lower()
    response.data = {"detail": str(detail), "code": code}
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response.data["retry_after_seconds"] = int(exc.wait)
    return response
