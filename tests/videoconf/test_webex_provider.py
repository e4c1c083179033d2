"""The Webex provider of a municipality against the fake Webex server: call flow, tokens,
failures, and one municipality's credentials never serving another's calls."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from offices.models import Office
from platform_core.crypto import decrypt
from scheduling.appointments.services import appointment_video_subject
from tests.offices.factories import make_office, make_official
from tests.videoconf.video_helpers import (
    HOST_EMAIL,
    configure_webex,
    make_video_appointment,
    register,
)
from videoconf.models import VideoIntegration, VideoSession
from videoconf.providers import VideoProviderError
from videoconf.services import (
    video_session_end,
    video_session_guest_url,
    video_session_host_url,
    video_session_open,
    video_session_retry_remote_cleanup,
)

pytestmark = pytest.mark.usefixtures("fast_webex")


# A session that is for nothing in particular (videoconf's own tests).
NO_SUBJECT = {"subject_kind": "", "subject_id": None}


def _official():
    office = Office.objects.filter(slug="video-amt").first() or make_office("video-amt")
    return make_official(office)


def test_whole_call_flow_from_meeting_to_deleted_meeting(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        official = _official()
        session = video_session_open(
            host=official.user,
            title="Videoberatung Bürgerbüro",
            duration_minutes=15,
            **NO_SUBJECT,
        )

        assert session.pk and session.provider == "webex" and session.external_id
        assert session.host_url == f"/video/{session.host_key}/"
        meeting = fake_webex.meeting(session.external_id)
        assert meeting["title"] == "Videoberatung Bürgerbüro"
        assert meeting["hostEmail"] == HOST_EMAIL
        assert meeting["unlockedMeetingJoinSecurity"] == "allowJoinWithLobby"
        assert meeting["enabledJoinBeforeHost"] is False
        created = fake_webex.requests("POST", "/meetings")[0].json
        assert created["sendEmail"] is False

        host_link = video_session_host_url(session=session)
        guest_link = video_session_guest_url(session=session)
        join_calls = fake_webex.requests("POST", "/meetings/join")
        assert len(join_calls) == 2
        assert all(call.json["joinDirectly"] is False for call in join_calls)
        # No personal data goes to Webex: the guest is a number on our own domain.
        guest_call = join_calls[1].json
        assert "Erika" not in str(guest_call) and guest_call["displayName"] == "Gast"
        assert guest_call["email"].endswith("@localhost")

        # Following the links: the host starts the meeting, the citizen waits in the lobby.
        assert "host" in httpx.get(host_link).text
        guest_page = httpx.get(guest_link).text
        assert "wait until the host admits you" in guest_page
        assert fake_webex.meeting(session.external_id)["state"] == "inProgress"

        video_session_end(session=session)

        assert fake_webex.meeting(session.external_id) is None
        session.refresh_from_db()
        assert session.status == VideoSession.Status.ENDED and session.ended_at
        assert not session.remote_cleanup_pending
        # Ending twice is harmless and does not call Webex again.
        deletes = len(fake_webex.requests("DELETE", "/meetings"))
        video_session_end(session=session)
        assert len(fake_webex.requests("DELETE", "/meetings")) == deletes


def test_the_room_link_sends_the_citizen_to_a_fresh_webex_link(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        session = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
    response = tenant_a.client().get(f"/video/{session.guest_key}/")
    assert response.status_code == 302
    assert response["Location"].startswith(fake_webex.root_url + "/_fake/join/")
    host = tenant_a.client().get(f"/video/{session.host_key}/")
    assert host.status_code == 302 and host["Location"] != response["Location"]
    with tenant_a.schema():
        session.refresh_from_db()
        assert session.guest_joined_at is not None
    # The built-in room's signalling does not exist for a Webex session.
    assert tenant_a.client().get(f"/video/{session.guest_key}/signal/").status_code == 404


def test_appointment_meeting_is_scheduled_at_the_appointment_time(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        official = _official()
        start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
        appointment = make_video_appointment(official.offices.first(), official, start=start)
        session = video_session_open(
            host=official.user,
            title="Videoberatung",
            duration_minutes=30,
            **appointment_video_subject(appointment),
        )
    body = fake_webex.requests("POST", "/meetings")[0].json
    assert body["timezone"] == "Europe/Berlin"
    assert body["start"] == start.isoformat(timespec="seconds")
    assert fake_webex.meeting(session.external_id)["end"]


def test_expired_access_token_is_refreshed_first_and_rotated_refresh_token_saved_encrypted(
    tenant_a, fake_webex
):
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds, expires_at=timezone.now() + timedelta(seconds=30))
        video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)

        calls = [(r.method, r.path) for r in fake_webex.requests()]
        assert calls == [("POST", "/access_token"), ("POST", "/meetings")]
        new_access = fake_webex.requests("POST", "/meetings")[0].bearer_token
        assert new_access != creds.access_token
        [rotated] = fake_webex.valid_refresh_tokens(creds.client_id)
        assert rotated != creds.refresh_token  # the old one is dead now

        row = VideoIntegration.objects.get()
        assert row.secret("refresh_token") == rotated
        assert row.secret("access_token") == new_access
        assert row.access_token_expires_at > timezone.now() + timedelta(days=13)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT refresh_token_enc, access_token_enc FROM videoconf_videointegration"
            )
            raw_refresh, raw_access = cursor.fetchone()
        assert rotated not in raw_refresh and new_access not in raw_access
        assert decrypt(raw_refresh) == rotated

        # The next call uses the stored token without refreshing again.
        fake_webex.clear_requests()
        video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
        assert [r.path for r in fake_webex.requests()] == ["/meetings"]


def test_token_refused_with_401_is_refreshed_and_the_call_repeated(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    fake_webex.expire_access_token(creds.access_token)  # revoked, though we think it is valid
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        session = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)

        assert [(r.path, r.status) for r in fake_webex.requests()] == [
            ("/meetings", 401),
            ("/access_token", 200),
            ("/meetings", 200),
        ]
        assert fake_webex.meeting(session.external_id) is not None
        row = VideoIntegration.objects.get()
        assert row.secret("refresh_token") == fake_webex.valid_refresh_tokens(creds.client_id)[0]


def test_rejected_refresh_token_gives_the_official_a_clear_error(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    fake_webex.revoke_refresh_token(creds.client_id, creds.refresh_token)
    with tenant_a.schema():
        configure_webex(fake_webex, creds, expires_at=timezone.now() - timedelta(minutes=1))
        with pytest.raises(VideoProviderError) as caught:
            video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
        assert caught.value.code == "webex_auth_failed"
        assert "Zugangsdaten" in caught.value.message
        assert "The refresh token is invalid or expired." in caught.value.message
        assert caught.value.tracking_id
        assert not VideoSession.objects.exists()


def test_rate_limit_waits_for_retry_after_then_succeeds(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    fake_webex.fail_next("/meetings", 429, method="POST", retry_after=0.3)
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        began = time.monotonic()
        session = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
        elapsed = time.monotonic() - began
    assert [r.status for r in fake_webex.requests("POST", "/meetings")] == [429, 200]
    assert elapsed >= 0.3
    assert fake_webex.meeting(session.external_id) is not None


def test_persistent_server_errors_raise_with_code_and_tracking_id_and_later_calls_work(
    tenant_a, fake_webex, caplog
):
    creds = register(fake_webex, "alpha")
    fake_webex.fail_next("/meetings", 503, count=4, method="POST")  # 1 try + 3 retries
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        official = _official()
        with (
            caplog.at_level(logging.WARNING, logger="videoconf.webex"),
            pytest.raises(VideoProviderError) as caught,
        ):
            video_session_open(host=official.user, title="Videoberatung", **NO_SUBJECT)
        error = caught.value
        attempts = fake_webex.requests("POST", "/meetings")
        assert [r.status for r in attempts] == [503, 503, 503, 503]
        assert error.code == "webex_unavailable"
        assert error.tracking_id == attempts[-1].tracking_id
        assert "nicht erreichbar" in error.message
        # Every failure is logged with Webex's trackingId.
        for attempt in attempts:
            assert attempt.tracking_id in caplog.text
        assert not VideoSession.objects.exists()

        # Webex is back: the same call works.
        session = video_session_open(host=official.user, title="Videoberatung", **NO_SUBJECT)
        assert fake_webex.meeting(session.external_id) is not None


def test_a_call_that_times_out_is_not_repeated_and_reported(tenant_a, fake_webex, settings):
    settings.WEBEX_TIMEOUT_SECONDS = 0.3
    creds = register(fake_webex, "alpha")
    fake_webex.delay_next("/meetings", 2.0, method="POST")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        began = time.monotonic()
        with pytest.raises(VideoProviderError) as caught:
            video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
    assert caught.value.code == "webex_timeout"
    assert time.monotonic() - began < 1.5
    # A POST that timed out may have created the meeting: it is not blindly repeated.
    assert len(fake_webex.requests("POST", "/meetings")) == 1


def test_ending_during_an_outage_is_retried_later(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    with tenant_a.schema():
        configure_webex(fake_webex, creds)
        session = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
        fake_webex.fail_next(f"/meetings/{session.external_id}", 503, count=4, method="DELETE")

        assert video_session_end(session=session) is False  # no exception for the caller
        session.refresh_from_db()
        assert session.status == "ended" and session.remote_cleanup_pending
        assert fake_webex.meeting(session.external_id) is not None

        assert video_session_retry_remote_cleanup() == 1
        session.refresh_from_db()
        assert not session.remote_cleanup_pending
        assert fake_webex.meeting(session.external_id) is None


def test_each_municipality_calls_webex_with_its_own_credentials(tenant_a, tenant_b, fake_webex):
    creds_a = register(fake_webex, "alpha")
    creds_b = register(fake_webex, "beta")
    with tenant_a.schema():
        configure_webex(fake_webex, creds_a)
        session_a = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
    with tenant_b.schema():
        configure_webex(fake_webex, creds_b, host_email="video@beta-kreis.example")
        session_b = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)

    created = fake_webex.requests("POST", "/meetings")
    assert [r.bearer_token for r in created] == [creds_a.access_token, creds_b.access_token]
    assert fake_webex.meeting(session_a.external_id)["hostEmail"] == HOST_EMAIL
    assert fake_webex.meeting(session_b.external_id)["hostEmail"] == "video@beta-kreis.example"

    with tenant_b.schema():
        # tenant_b knows nothing of tenant_a's session …
        assert not VideoSession.objects.filter(external_id=session_a.external_id).exists()
        video_session_end(session=session_b)
    # … and ending its own meeting touched only its own, with its own token.
    [delete] = fake_webex.requests("DELETE", "/meetings")
    assert delete.bearer_token == creds_b.access_token
    assert fake_webex.meeting(session_a.external_id) is not None

    # A refresh in one municipality leaves the other's tokens alone.
    with tenant_a.schema():
        VideoIntegration.objects.update(access_token_expires_at=timezone.now())
        video_session_end(session=session_a)
        assert VideoIntegration.objects.get().secret("access_token") != creds_a.access_token
    with tenant_b.schema():
        assert VideoIntegration.objects.get().secret("access_token") == creds_b.access_token
    refresh = fake_webex.requests("POST", "/access_token")
    assert [r.form["client_id"] for r in refresh] == [creds_a.client_id]


def test_without_integration_the_builtin_room_is_used(tenant_b):
    with tenant_b.schema():
        session = video_session_open(host=_official().user, title="Videoberatung", **NO_SUBJECT)
        assert session.provider == "builtin"
        assert session.host_url == f"/video/{session.host_key}/"
        assert video_session_guest_url(session=session) == f"/video/{session.guest_key}/"
