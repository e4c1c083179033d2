"""A short-lived cache of the citizen office list. Keys go through django_tenants' make_key,
so every entry carries its municipality. Writes that change a status invalidate it; other
processes see a change within OFFICE_STATUS_CACHE_SECONDS at the latest."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

KEY = "offices:status-list"


def status_list_cached(compute: Callable[[], list]) -> list:
    key = f"{KEY}:{get_language()}"
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, settings.OFFICE_STATUS_CACHE_SECONDS)
    return data


def invalidate_statuses() -> None:
    cache.delete_many([f"{KEY}:{code}" for code, _ in settings.LANGUAGES])
