"""Builders for office data inside a municipality's schema (call within tenant.schema())."""

from __future__ import annotations

import itertools
from datetime import time

from offices.models import Office, OpeningWindow, Service, StaffMember
from platform_core.models import User

_n = itertools.count(1)

WEEKDAY_MORNINGS = [(d, time(8), time(12)) for d in range(5)] + [(3, time(14), time(18))]


def make_office(slug: str | None = None, *, windows=WEEKDAY_MORNINGS, **fields) -> Office:
    slug = slug or f"amt-{next(_n)}"
    office = Office.objects.create(slug=slug, name=fields.pop("name", slug.title()), **fields)
    OpeningWindow.objects.bulk_create(
        OpeningWindow(office=office, weekday=d, start=s, end=e) for d, s, e in windows
    )
    return office


def make_service(office: Office, slug: str | None = None, **fields) -> Service:
    slug = slug or f"leistung-{next(_n)}"
    return Service.objects.create(office=office, slug=slug, name=fields.pop("name", slug), **fields)


def make_official(
    *offices: Office,
    email: str | None = None,
    presence="away",
    mode="video",
    last_seen_at=None,
    role="staff",
) -> StaffMember:
    user = User.objects.create_user(
        email or f"official{next(_n)}@example.org", "pw-123456", role=role
    )
    member = StaffMember.objects.create(
        user=user, presence=presence, mode=mode, last_seen_at=last_seen_at
    )
    member.offices.set(offices)
    member.services.set([s for o in offices for s in o.services.all()])
    return member
