"""Every URL of a host with its parameters filled in, for tests that must hold on every door
(this module holds no tests itself)."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

SAMPLE = {"int": "1", "slug": "x", "str": "x", "path": "x"}


def url_paths(urlconf: str) -> list[str]:
    """Every URL of a host, its parameters filled with sample values (Django's own admin
    pages are represented by the index and the login)."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    out = set()
    for route in walk(get_resolver(urlconf).url_patterns):
        if route.startswith("admin/") and route not in ("admin/", "admin/login/"):
            continue
        if route.startswith("^") or "(?P" in route:
            continue
        out.add("/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route))
    return sorted(out)


TENANT_PATHS = url_paths(settings.ROOT_URLCONF)
PUBLIC_PATHS = url_paths(settings.PUBLIC_SCHEMA_URLCONF)
