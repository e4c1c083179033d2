"""Caches derived from office configuration, and their one invalidation.

Everything cached from an office's configuration - opening hours, closures, local holidays,
capacity, video, services, staff (membership, roles, deactivation) and presence - is stored
together with the municipality's *configuration generation*: the citizen office list
(scheduling.queue.office_status) and the waiting room's office facts (scheduling.queue.selectors).
`office_config_changed()` starts a new generation; an entry stored under an older one is never
used again, whatever key it has and however long its timeout. So a change takes effect on the
next request, in every process that shares the cache (with per-process caches: in the process
that made it, and elsewhere within the entries' short timeouts).

Every configuration write calls `office_config_changed()`: the services of offices.services
(the `invalidates_office_config` decorator, presence changes), account creation, and the
Django admin (`OfficeConfigAdminMixin` on every admin page that writes such data). It bumps
the generation at once (later reads in the same transaction, and tests without commits, see
it) and again after commit: a reader in another process may have re-filled an entry from the
data as it was before the commit, under the first new generation.

Keys go through django_tenants' make_key (the cache's KEY_FUNCTION), so every entry and every
generation carries its municipality.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "offices:config-generation"


# --- the generation -----------------------------------------------------------------------


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def office_config_changed() -> None:
    """Drop every cached value derived from office configuration (this municipality)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def invalidates_office_config(fn):
    """Decorator for configuration services: after the write, nothing cached from the old
    configuration is used again."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        office_config_changed()
        return result

    return wrapper


def read(keys: Iterable[str]) -> tuple[dict[str, Any], str]:
    """The cached entries of `keys` and the current generation, in one round trip."""
    found = cache.get_many([*keys, GENERATION_KEY])
    generation = found.pop(GENERATION_KEY, None)
    if generation is None:
        # Never set (or evicted): start one that no stored entry can carry.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return found, generation


def current(entry: Any, generation: str) -> Any:
    """The value of an entry stored by `store`, or None when it is of an older generation."""
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
        return entry[1]
    return None


def store(key: str, value: Any, generation: str, timeout: float) -> None:
    """Cache `value`, computed from the configuration of `generation` (read before it)."""
    cache.set(key, (generation, value), timeout)


def cached(key: str, compute: Callable[[], Any], timeout: float) -> Any:
    found, generation = read([key])
    value = current(found.get(key), generation)
    if value is None:
        value = compute()
        store(key, value, generation, timeout)
    return value


# --- the Django admin ------------------------------------------------------------------------


class OfficeConfigAdminMixin:
    """For ModelAdmins of configuration data: the admin writes around the services, so it
    announces its writes itself (add, change, inline rows, many-to-many, delete, bulk
    delete)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        office_config_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        office_config_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        office_config_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        office_config_changed()
