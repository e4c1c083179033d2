"""Request input no view has to defend against, checked in one place for both hosts.

- NUL characters: PostgreSQL text cannot hold them, so a NUL in a query parameter, path,
  header, form field or JSON string would end as a database error (a 500). The middleware
  `platform_core.middleware.RequestInputMiddleware` refuses them for every request.
- Deeply nested JSON: Python's parser recurses once per level and dies with RecursionError
  (a 500) long before the body is large. Every JSON body is parsed by `json_loads` below:
  the DRF parser of every API view, the views that read a body themselves (video
  signalling, Webex webhooks), and the middleware for every request sent as JSON.

Both end as a 400 with a stable code (platform_core.error_codes) and a translated message.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from platform_core import error_codes

# A JSON string literal (unrolled, so the regex engine never backtracks into it).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class BadInput(ValueError):
    """Input refused before any view sees it; `code` is one of platform_core.error_codes."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def max_json_depth() -> int:
    return settings.JSON_MAX_DEPTH


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than `limit` (brackets inside strings don't
    count). Linear and without recursion, so it is safe on any input."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _strings(value: Any) -> Iterable[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def nul_refused() -> BadInput:
    return BadInput(
        _("The request contains a NUL character (\\0), which is not allowed."),
        error_codes.NUL_CHARACTER,
    )


def json_loads(raw: bytes | str) -> Any:
    """Parse a JSON request body. Raises BadInput for anything that is not strict JSON
    (NaN and Infinity included), nests deeper than settings.JSON_MAX_DEPTH, or has a NUL
    character in a string or key."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise BadInput(_("The request body is not valid UTF-8."), error_codes.PARSE_ERROR) from exc
    limit = max_json_depth()
    if json_depth_exceeds(text, limit):
        raise BadInput(
            _("The JSON in the request nests deeper than %(limit)d levels.") % {"limit": limit},
            error_codes.JSON_TOO_DEEP,
        )
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise BadInput(
            _("The request body is not valid JSON: %(error)s") % {"error": exc},
            error_codes.PARSE_ERROR,
        ) from exc
    if any("\x00" in s for s in _strings(value)):
        raise nul_refused()
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on top of json_loads: the same limits for every API view."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        raw = stream.read() if stream is not None else b""
        try:
            return json_loads(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The request body is not valid %(encoding)s.") % {"encoding": encoding},
                code=error_codes.PARSE_ERROR,
            ) from exc
        except BadInput as exc:
            raise ParseError(exc.message, code=exc.code) from exc


# --- the middleware's checks ------------------------------------------------------------------

_JSON_TYPES = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in v for v in values)


def _query_dict_has_nul(data: QueryDict) -> bool:
    return any(_has_nul([key, *values]) for key, values in data.lists())


def request_input_problem(request: HttpRequest) -> BadInput | None:
    """What is wrong with the request's input, before any view or session lookup runs."""
    meta = request.META
    headers = (v for k, v in meta.items() if k.startswith("HTTP_") and isinstance(v, str))
    if (
        "\x00" in request.path_info
        or _has_nul(headers)
        or _has_nul([meta.get("CONTENT_TYPE", ""), meta.get("QUERY_STRING", "")])
        or _query_dict_has_nul(request.GET)
    ):
        return nul_refused()
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        # Any method: DRF also parses PUT/PATCH forms, which Django leaves alone.
        if _query_dict_has_nul(QueryDict(request.body, encoding=request.encoding)):
            return nul_refused()
    elif content_type == "multipart/form-data":
        try:
            # Parsed from a copy of the body, which stays readable for views that read it.
            form, _files = request.parse_file_upload(request.META, io.BytesIO(request.body))
        except MultiPartParserError:
            return None  # malformed: the view's parser says so in its own terms
        if _query_dict_has_nul(form):
            return nul_refused()
    elif _JSON_TYPES.match(content_type) and request.body:
        try:
            json_loads(request.body)
        except BadInput as exc:
            # Not JSON at all is left to the view, which names it in its own terms.
            if exc.code != error_codes.PARSE_ERROR:
                return exc
    return None
