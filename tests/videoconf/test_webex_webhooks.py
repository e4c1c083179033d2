"""Webex webhooks on the public host: registration on save, signature checks, and events
moving tickets and appointments along — replays included."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from devtools.webex_fake import sign_webhook_body
from platform_core.models import AuditLog
from scheduling.appointments.models import Appointment
from scheduling.appointments.services import appointment_video_subject
from scheduling.queue.models import Ticket
from scheduling.queue.services import ticket_video_subject
from tests.offices.factories import make_office, make_official
from tests.videoconf.video_helpers import (
    configure_webex,
    make_ticket,
    make_video_appointment,
    register,
)
from videoconf.models import VideoIntegration, VideoSession
from videoconf.services import video_integration_save, video_session_open

pytestmark = pytest.mark.usefixtures("fast_webex")


def _url(slug: str) -> str:
    return f"/webhooks/webex/{slug}/"


def _deliver(client, deliveries, slug: str):
    """POST what the fake would send, through the Django test client (public host)."""
    responses = []
    for target, body, headers in deliveries:
        assert target.endswith(_url(slug))
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in headers.items()
            if k.lower() != "content-type"
        }
        responses.append(
            client.post(_url(slug), data=body, content_type="application/json", **extra)
        )
    return responses


@pytest.fixture
def webex_a(tenant_a, fake_webex):
    """tenant_a on Webex, webhooks registered at the fake, one office and official."""
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        integration, error = video_integration_save(acting_user=None, data={"provider": "webex"})
        assert error is None
        office = make_office("buergerbuero-v")
        official = make_official(office)
    return {"creds": creds, "integration": integration, "office": office, "official": official}


def _secret(ctx) -> str:
    with ctx.schema():
        return VideoIntegration.objects.get().secret("webhook_secret")


def test_saving_the_integration_registers_webhooks_and_replaces_old_ones(
    tenant_a, webex_a, fake_webex
):
    target = f"http://{settings.PLATFORM_DOMAIN}:{settings.PLATFORM_PORT}{_url(tenant_a.slug)}"
    hooks = fake_webex.requests("POST", "/webhooks")
    assert sorted((h.json["resource"], h.json["event"]) for h in hooks) == [
        ("meetingParticipants", "joined"),
        ("meetingParticipants", "left"),
        ("meetings", "ended"),
        ("meetings", "started"),
    ]
    assert {h.json["targetUrl"] for h in hooks} == {target}
    assert {h.json["secret"] for h in hooks} == {_secret(tenant_a)}
    assert {h.json["ownedBy"] for h in hooks} == {"org"}
    first_ids = set(webex_a["integration"].webhook_ids)
    assert len(first_ids) == 4

    with tenant_a.schema():
        integration, error = video_integration_save(acting_user=None, data={"provider": "webex"})
    assert error is None
    assert len(fake_webex.requests("DELETE", "/webhooks")) == 4
    assert not first_ids & set(integration.webhook_ids)
    org = webex_a["creds"].org_id
    assert len(fake_webex.org_webhooks_for(org, "meetings", "started")) == 1


def test_switching_back_to_builtin_removes_the_webhooks(tenant_a, webex_a, fake_webex):
    with tenant_a.schema():
        integration, _ = video_integration_save(acting_user=None, data={"provider": "builtin"})
    assert integration.webhook_ids == []
    assert fake_webex.org_webhooks_for(webex_a["creds"].org_id, "meetings", "started") == []


def test_appointment_moves_to_in_session_then_done_and_replays_change_nothing(
    tenant_a, webex_a, fake_webex, public_client
):
    with tenant_a.schema():
        appointment = make_video_appointment(webex_a["office"], webex_a["official"])
        session = video_session_open(
            host=webex_a["official"].user,
            title="Videoberatung",
            **appointment_video_subject(appointment),
        )
    started = fake_webex.meeting_events(session.external_id, "started")
    assert len(started) == 1

    responses = _deliver(public_client, started, tenant_a.slug)
    assert [r.status_code for r in responses] == [200]
    assert responses[0].json()["status"] == "processed"
    with tenant_a.schema():
        appointment.refresh_from_db()
        session.refresh_from_db()
        assert appointment.status == Appointment.Status.IN_SESSION
        assert session.status == VideoSession.Status.LIVE and session.started_at

    # A replay of the same delivery is harmless.
    assert _deliver(public_client, started, tenant_a.slug)[0].status_code == 200
    with tenant_a.schema():
        assert AuditLog.objects.filter(action="appointment.video_status").count() == 1

    ended = fake_webex.meeting_events(session.external_id, "ended")
    for _ in range(2):  # delivered twice
        assert _deliver(public_client, ended, tenant_a.slug)[0].status_code == 200
    with tenant_a.schema():
        appointment.refresh_from_db()
        session.refresh_from_db()
        assert appointment.status == Appointment.Status.DONE
        assert session.status == VideoSession.Status.ENDED
        assert AuditLog.objects.filter(action="appointment.video_status").count() == 2
    # The meeting is gone at Webex once it ended.
    assert fake_webex.meeting(session.external_id) is None

    # A late "started" replay does not reopen anything.
    _deliver(public_client, started, tenant_a.slug)
    with tenant_a.schema():
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.DONE


def test_guest_joining_and_host_leaving_drive_the_appointment(
    tenant_a, webex_a, fake_webex, public_client
):
    with tenant_a.schema():
        appointment = make_video_appointment(webex_a["office"], webex_a["official"])
        session = video_session_open(
            host=webex_a["official"].user,
            title="Videoberatung",
            **appointment_video_subject(appointment),
        )
    guest = fake_webex.add_participant(session.external_id, "Gast", "g@example.org", state="joined")
    host = fake_webex.add_participant(
        session.external_id, "Amt", "h@example.org", state="joined", host=True
    )

    _deliver(
        public_client,
        fake_webex.participant_events(session.external_id, guest["id"], "joined"),
        tenant_a.slug,
    )
    with tenant_a.schema():
        appointment.refresh_from_db()
        session.refresh_from_db()
        assert appointment.status == "in_session" and session.guest_joined_at

    # The citizen's connection drops: not the end of the consultation.
    _deliver(
        public_client,
        fake_webex.participant_events(session.external_id, guest["id"], "left"),
        tenant_a.slug,
    )
    with tenant_a.schema():
        appointment.refresh_from_db()
        assert appointment.status == "in_session"

    _deliver(
        public_client,
        fake_webex.participant_events(session.external_id, host["id"], "left"),
        tenant_a.slug,
    )
    with tenant_a.schema():
        appointment.refresh_from_db()
        assert appointment.status == "done"


def test_ticket_moves_to_in_session_then_done(tenant_a, webex_a, fake_webex, public_client):
    from scheduling.queue import services as queue_services

    if not hasattr(queue_services, "ticket_start"):
        pytest.skip("scheduling.queue_services.ticket_start is not there yet")
    with tenant_a.schema():
        ticket = make_ticket(webex_a["office"], webex_a["official"], status="called")
        session = video_session_open(
            host=webex_a["official"].user, title="Videoberatung", **ticket_video_subject(ticket)
        )
    started = fake_webex.meeting_events(session.external_id, "started")
    ended = fake_webex.meeting_events(session.external_id, "ended")
    for _ in range(2):
        _deliver(public_client, started, tenant_a.slug)
    with tenant_a.schema():
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.IN_SESSION
    for _ in range(2):
        _deliver(public_client, ended, tenant_a.slug)
    with tenant_a.schema():
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.DONE
        assert AuditLog.objects.filter(action="ticket.complete").count() == 1


def test_events_for_meetings_we_do_not_know_are_acknowledged(tenant_a, webex_a, public_client):
    body = json.dumps(
        {"resource": "meetings", "event": "started", "data": {"id": "not-ours"}}
    ).encode()
    response = public_client.post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, _secret(tenant_a)),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "unknown_meeting"


def test_missing_signature_is_refused_with_401(tenant_a, webex_a, public_client):
    response = public_client.post(_url(tenant_a.slug), data=b"{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "signature_missing"


def test_wrong_signature_is_refused_with_403(tenant_a, webex_a, public_client, fake_webex):
    with tenant_a.schema():
        appointment = make_video_appointment(webex_a["office"], webex_a["official"])
        session = video_session_open(
            host=webex_a["official"].user,
            title="Videoberatung",
            **appointment_video_subject(appointment),
        )
    [(_, body, headers)] = fake_webex.meeting_events(session.external_id, "started")
    tampered = body.replace(b'"started"', b'"ended"')
    response = public_client.post(
        _url(tenant_a.slug),
        data=tampered,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=headers["X-Spark-Signature"],
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "X-Spark-Signature passt nicht.",
        "code": "signature_invalid",
    }
    forged = public_client.post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, "guessed-secret"),
    )
    assert forged.status_code == 403
    with tenant_a.schema():
        appointment.refresh_from_db()
        assert appointment.status == "booked"


def test_unknown_municipality_gets_404(public_client, db):
    body = b'{"resource":"meetings","event":"started","data":{}}'
    response = public_client.post(
        _url("gibt-es-nicht"),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, "x"),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tenant"


def test_webhook_is_csrf_exempt(tenant_a, webex_a):
    from django.test import Client

    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, enforce_csrf_checks=True)
    body = b'{"resource":"rooms","event":"created","data":{}}'
    response = client.post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, _secret(tenant_a)),
    )
    assert response.status_code == 200 and response.json()["status"] == "ignored"


def test_one_municipalitys_signed_event_is_refused_for_another(
    tenant_a, tenant_b, webex_a, fake_webex, public_client
):
    creds_b = register(fake_webex, "beta")
    with tenant_b.schema():
        configure_webex(fake_webex, creds_b)
        video_integration_save(acting_user=None, data={"provider": "webex"})
        office = make_office("amt-b")
        official_b = make_official(office)
        appointment_b = make_video_appointment(office, official_b)
        session_b = video_session_open(
            host=official_b.user, title="Videoberatung", **appointment_video_subject(appointment_b)
        )
    assert _secret(tenant_a) != _secret(tenant_b)
    # tenant_b's event, signed with tenant_b's secret, posted to tenant_a's URL: refused.
    [(_, body, headers)] = fake_webex.meeting_events(session_b.external_id, "started")
    response = public_client.post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=headers["X-Spark-Signature"],
    )
    assert response.status_code == 403
    # Re-signed with tenant_a's secret it is accepted there, but names no session of tenant_a.
    response = public_client.post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, _secret(tenant_a)),
    )
    assert response.json()["status"] == "unknown_meeting"
    with tenant_b.schema():
        appointment_b.refresh_from_db()
        assert appointment_b.status == "booked"
    # Through its own URL it works.
    assert (
        _deliver(public_client, [(f"x{_url(tenant_b.slug)}", body, headers)], tenant_b.slug)[
            0
        ].json()["status"]
        == "processed"
    )


def test_municipality_without_webex_has_no_webhook(tenant_b, public_client):
    body = b"{}"
    response = public_client.post(
        _url(tenant_b.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, "x"),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "webhook_not_configured"


def test_webhook_is_only_on_the_public_host(tenant_a, webex_a):
    body = b"{}"
    response = tenant_a.client().post(
        _url(tenant_a.slug),
        data=body,
        content_type="application/json",
        HTTP_X_SPARK_SIGNATURE=sign_webhook_body(body, _secret(tenant_a)),
    )
    assert response.status_code == 404
