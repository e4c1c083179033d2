"""Builders shared by the videoconf tests (call inside a tenant's schema)."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.webex_fake import AppCredentials, FakeWebex
from scheduling.appointments.models import Appointment
from scheduling.queue.models import Ticket
from videoconf.models import VideoIntegration
from videoconf.services import video_integration_update

HOST_EMAIL = "videoberatung@alpha-stadt.example"
_n = itertools.count(1)


@pytest.fixture
def fast_webex(settings):
    """Short timeouts and backoff so failure tests stay fast; the policy is the same."""
    settings.WEBEX_TIMEOUT_SECONDS = 2.0
    settings.WEBEX_BACKOFF_BASE_SECONDS = 0.01
    settings.WEBEX_MAX_RETRIES = 3
    return settings


def register(fake: FakeWebex, name: str, **kwargs) -> AppCredentials:
    return fake.register_app(f"{name}-client", f"{name}-secret", f"{name}-refresh", **kwargs)


def configure_webex(
    fake: FakeWebex, creds: AppCredentials, *, expires_at=None, **extra
) -> VideoIntegration:
    """The municipality's Webex integration, pointed at the fake, with a stored access token."""
    data = {
        "provider": "webex",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token,
        "access_token": creds.access_token,
        "host_email": HOST_EMAIL,
        "api_base": fake.base_url,
        **extra,
    }
    integration = video_integration_update(acting_user=None, data=data)
    VideoIntegration.objects.filter(pk=integration.pk).update(
        access_token_expires_at=expires_at or creds.access_token_expires_at
    )
    integration.refresh_from_db()
    return integration


def make_ticket(office, official=None, *, status="called") -> Ticket:
    n = next(_n)
    return Ticket.objects.create(
        office=office,
        day=timezone.localdate(),
        sequence=n,
        number=f"V-{n:03d}",
        token_hash=uuid.uuid4().hex,
        status=status,
        official=official,
        called_at=timezone.now() if status != "waiting" else None,
        name="Erika Mustermann",
    )


def make_video_appointment(office, official, *, start=None, status="booked") -> Appointment:
    start = start or timezone.now() + timedelta(hours=2)
    return Appointment.objects.create(
        reference=f"VID{next(_n):05d}{uuid.uuid4().hex[:4]}",
        office=office,
        official=official,
        mode="video",
        start=start,
        end=start + timedelta(minutes=30),
        blocked_until=start + timedelta(minutes=35),
        status=status,
        name="Erika Mustermann",
        email="erika@example.org",
    )
