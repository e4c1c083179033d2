"""Shared helpers of the waiting-room tests (imported by tests/scheduling/test_queue_*.py)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from offices.models import Office, Service, StaffMember
from scheduling.appointments.models import Appointment
from tests.conftest import TenantCtx, api_token
from tests.offices.factories import make_office, make_official, make_service

BERLIN = ZoneInfo("Europe/Berlin")
OFFICIAL_PASSWORD = "pw-123456"  # tests/offices/factories.make_official
# Open every day, all day (but 23:59:59 to midnight, and on public holidays).
ALL_DAY = [(d, time(0), time(23, 59, 59)) for d in range(7)]
# A Monday morning in winter time, well inside the weekday hours.
MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)

_refs = itertools.count(1)


def at(y, m, d, hh, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=BERLIN)


@dataclass
class Setup:
    ctx: TenantCtx
    office: Office
    service: Service
    official: StaffMember
    email: str

    def client(self, **extra) -> Client:
        return self.ctx.client(**extra)

    def staff_client(self, email: str | None = None) -> Client:
        client = self.ctx.client()
        token = api_token(client, email or self.email, OFFICIAL_PASSWORD)
        return self.ctx.client(HTTP_AUTHORIZATION=f"Token {token}")


def make_setup(
    ctx: TenantCtx,
    *,
    slug: str = "buergerbuero",
    prefix: str = "B",
    windows=ALL_DAY,
    capacity: int = 20,
    seen: datetime | None = None,
    email: str | None = None,
) -> Setup:
    """An office with a video service and one official who is available (fresh presence)."""
    with ctx.schema():
        office = make_office(
            slug,
            windows=windows,
            ticket_prefix=prefix,
            waiting_room_capacity=capacity,
            name=slug.title(),
        )
        service = make_service(
            office, "meldebescheinigung", name="Meldebescheinigung", duration_minutes=10
        )
        email = email or f"official.{slug}@{ctx.slug}.example.org"
        official = make_official(
            office, email=email, presence="available", last_seen_at=seen or timezone.now()
        )
    return Setup(ctx=ctx, office=office, service=service, official=official, email=email)


def post_json(client: Client, url: str, data=None):
    return client.post(url, data or {}, content_type="application/json")


def make_appointment(
    *,
    office: Office,
    official: StaffMember,
    start: datetime,
    minutes: int = 20,
    mode: str = "in_person",
    status: str = "booked",
    **fields,
) -> Appointment:
    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        reference=f"T{next(_refs):06d}",
        office=office,
        official=official,
        mode=mode,
        start=start,
        end=end,
        blocked_until=end,
        status=status,
        **fields,
    )
