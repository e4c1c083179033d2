"""The municipal admins' video-integration API and page: write-only encrypted secrets,
audit rows without secrets, "test connection" with the provider's message, permissions."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from platform_core.models import AuditLog
from tests.conftest import api_token
from tests.offices.factories import make_office, make_official
from tests.videoconf.video_helpers import register
from videoconf.models import VideoIntegration

pytestmark = pytest.mark.usefixtures("fast_webex")

URL = "/api/admin/video-integration/"
TEST_URL = "/api/admin/video-integration/test/"


def _admin(ctx):
    client = ctx.client()
    token = api_token(client, ctx.admin_email)
    return client, {"HTTP_AUTHORIZATION": f"Token {token}"}


def _webex_body(fake, creds, **extra) -> dict:
    return {
        "provider": "webex",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token,
        "host_email": "video@alpha-stadt.example",
        "site_url": "alpha.webex.com",
        "webhook_secret": "whsec-alpha-0123456789",
        "api_base": fake.base_url,
        **extra,
    }


def _secrets(creds) -> list[str]:
    return [creds.client_secret, creds.refresh_token, creds.access_token, "whsec-alpha-0123456789"]


def test_get_without_configuration_shows_the_builtin_default(tenant_a):
    client, auth = _admin(tenant_a)
    response = client.get(URL, **auth)
    assert response.status_code == 200
    data = response.json()
    assert data["provider"] == "builtin"
    assert data["client_secret_set"] is False and data["refresh_token_set"] is False
    assert data["effective_api_base"] == "https://webexapis.com/v1"


def test_put_stores_secrets_encrypted_and_never_returns_them(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    response = client.put(
        URL,
        _webex_body(fake_webex, creds, access_token=creds.access_token),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["provider"] == "webex" and data["client_id"] == creds.client_id
    assert data["client_secret_set"] and data["refresh_token_set"]
    assert data["access_token_set"] and data["webhook_secret_set"]
    assert data["webhooks_registered"] == 4 and data["webhook_error"] is None
    again = client.get(URL, **auth)
    for secret in _secrets(creds):
        assert secret not in response.content.decode()
        assert secret not in again.content.decode()

    with tenant_a.schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT client_secret_enc, refresh_token_enc, access_token_enc, "
                "webhook_secret_enc FROM videoconf_videointegration"
            )
            raw = cursor.fetchone()
        assert all(raw) and not any(s in "".join(raw) for s in _secrets(creds))
        row = VideoIntegration.objects.get()
        assert row.secret("client_secret") == creds.client_secret
        assert row.secret("webhook_secret") == "whsec-alpha-0123456789"
        audit_rows = AuditLog.objects.filter(action__startswith="video_integration")
        assert audit_rows.filter(action="video_integration.update").exists()
        dumped = json.dumps([a.changes for a in audit_rows])
        assert not any(s in dumped for s in _secrets(creds))
        assert audit_rows.get(action="video_integration.update").changes["client_secret"] == "set"


def test_put_without_secrets_keeps_the_stored_ones(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    client.put(URL, _webex_body(fake_webex, creds), content_type="application/json", **auth)
    response = client.put(
        URL,
        {
            "provider": "webex",
            "client_id": creds.client_id,
            "host_email": "neu@alpha-stadt.example",
            "client_secret": "",
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    assert response.json()["host_email"] == "neu@alpha-stadt.example"
    with tenant_a.schema():
        assert VideoIntegration.objects.get().secret("client_secret") == creds.client_secret


def test_new_credentials_drop_the_old_access_token(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    other = register(fake_webex, "other")
    client, auth = _admin(tenant_a)
    client.put(
        URL,
        _webex_body(fake_webex, creds, access_token=creds.access_token),
        content_type="application/json",
        **auth,
    )
    fake_webex.clear_requests()
    response = client.put(
        URL, _webex_body(fake_webex, other), content_type="application/json", **auth
    )
    assert response.status_code == 200
    # Registering the webhooks needed a token: it came from the new app, not the old org.
    calls = fake_webex.requests()
    assert calls[0].path == "/access_token" and calls[0].form["client_id"] == other.client_id
    assert creds.access_token not in {r.bearer_token for r in calls}
    with tenant_a.schema():
        assert VideoIntegration.objects.get().secret("access_token") != creds.access_token


def test_webex_without_credentials_is_refused(tenant_a):
    client, auth = _admin(tenant_a)
    response = client.put(
        URL, {"provider": "webex", "client_id": "x"}, content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "credentials_incomplete"
    assert "client_secret" in response.json()["errors"]
    bad = client.put(URL, {"provider": "zoom"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice"
    with tenant_a.schema():
        assert not VideoIntegration.objects.filter(provider="webex").exists()


def test_api_base_can_be_restricted_to_webex(tenant_a, fake_webex, settings):
    settings.WEBEX_API_BASE_ALLOWED_HOSTS = ["webexapis.com"]
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    response = client.put(
        URL, _webex_body(fake_webex, creds), content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "api_base_not_allowed"


def test_connection_test_succeeds_with_good_credentials(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    client.put(URL, _webex_body(fake_webex, creds), content_type="application/json", **auth)
    fake_webex.clear_requests()
    response = client.post(TEST_URL, **auth)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert [r.path for r in fake_webex.requests()] == ["/access_token", "/people/me"]
    with tenant_a.schema():
        row = VideoIntegration.objects.get()
        assert row.secret("refresh_token") == fake_webex.valid_refresh_tokens(creds.client_id)[0]
        assert AuditLog.objects.filter(action="video_integration.test", changes__ok=True).exists()


def test_connection_test_reports_the_providers_message(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    client.put(URL, _webex_body(fake_webex, creds), content_type="application/json", **auth)
    # Later the municipality's Webex admin withdraws the app's authorisation.
    fake_webex.revoke_refresh_token(
        creds.client_id, fake_webex.valid_refresh_tokens(creds.client_id)[0]
    )
    response = client.post(TEST_URL, **auth)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "webex_auth_failed"
    assert "The refresh token is invalid or expired." in data["detail"]
    assert data["provider_message"] == "The refresh token is invalid or expired."
    assert data["tracking_id"]


def _live(ctx) -> VideoIntegration | None:
    with ctx.schema():
        return VideoIntegration.objects.first()


def test_wrong_webex_credentials_are_refused_and_the_builtin_provider_stays_live(
    tenant_a, fake_webex
):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    response = client.put(
        URL,
        _webex_body(fake_webex, creds, client_secret="falsch"),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "webex_auth_failed"
    assert "Client authentication failed." in data["detail"]
    assert data["provider_message"] == "Client authentication failed."
    assert data["tracking_id"]
    # Nothing went live: the municipality still consults with the built-in room.
    live = _live(tenant_a)
    assert live is None or live.provider == "builtin"
    assert client.get(URL, **auth).json()["provider"] == "builtin"
    assert [r.path for r in fake_webex.requests()] == ["/access_token"]  # no webhooks either
    with tenant_a.schema():
        refused = AuditLog.objects.get(action="video_integration.test")
        assert refused.changes["ok"] is False and refused.changes["code"] == "webex_auth_failed"
        assert "falsch" not in json.dumps(refused.changes)


def test_wrong_new_credentials_keep_the_previous_webex_credentials(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    other = register(fake_webex, "other")
    client, auth = _admin(tenant_a)
    assert (
        client.put(
            URL, _webex_body(fake_webex, creds), content_type="application/json", **auth
        ).status_code
        == 200
    )
    before = _live(tenant_a)
    fake_webex.revoke_refresh_token(other.client_id, other.refresh_token)
    response = client.put(
        URL,
        _webex_body(fake_webex, other, host_email="neu@alpha-stadt.example"),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json()["provider_message"] == "The refresh token is invalid or expired."
    after = _live(tenant_a)
    assert (after.provider, after.client_id, after.host_email) == (
        "webex",
        creds.client_id,
        "video@alpha-stadt.example",
    )
    assert after.secret("client_secret") == creds.client_secret
    assert after.secret("refresh_token") == before.secret("refresh_token")
    assert after.secret("access_token") == before.secret("access_token")
    assert after.webhook_ids == before.webhook_ids


def test_a_bad_access_token_alone_is_refused_too(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    body = {**_webex_body(fake_webex, creds), "refresh_token": "", "access_token": "abgelaufen"}
    response = client.put(URL, body, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "webex_auth_failed"
    live = _live(tenant_a)
    assert live is None or live.provider == "builtin"


def test_good_credentials_are_tested_then_saved_with_the_token_webex_issued(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    response = client.put(
        URL, _webex_body(fake_webex, creds), content_type="application/json", **auth
    )
    assert response.status_code == 200 and response.json()["provider"] == "webex"
    paths = [r.path for r in fake_webex.requests()]
    assert paths[:2] == ["/access_token", "/people/me"]
    assert paths.count("/access_token") == 1  # the webhooks used the token of the test
    with tenant_a.schema():
        row = VideoIntegration.objects.get()
        assert row.secret("refresh_token") in fake_webex.valid_refresh_tokens(creds.client_id)
        assert row.access_token_expires_at is not None
    # Editing something that does not touch the credentials asks Webex nothing new.
    fake_webex.clear_requests()
    again = client.put(
        URL,
        {"provider": "webex", "site_url": "neu.webex.com"},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 200
    assert "/people/me" not in [r.path for r in fake_webex.requests()]


def test_switching_back_to_builtin_needs_no_webex(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client, auth = _admin(tenant_a)
    client.put(URL, _webex_body(fake_webex, creds), content_type="application/json", **auth)
    fake_webex.fail_next("/access_token", 503, count=10)
    response = client.put(URL, {"provider": "builtin"}, content_type="application/json", **auth)
    assert response.status_code == 200 and response.json()["provider"] == "builtin"


def test_connection_test_of_builtin_is_ok(tenant_a):
    client, auth = _admin(tenant_a)
    assert client.post(TEST_URL, **auth).json() == {"ok": True}


def test_staff_and_anonymous_users_cannot_use_the_api(tenant_a):
    with tenant_a.schema():
        staff = make_official(make_office("amt-perm"), email="staff-video@example.org")
    client = tenant_a.client()
    token = api_token(client, staff.user.email, "pw-123456")
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {token}").status_code == 403
    assert (
        client.put(
            URL,
            {"provider": "builtin"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        ).status_code
        == 403
    )
    assert client.post(TEST_URL, HTTP_AUTHORIZATION=f"Token {token}").status_code == 403
    assert tenant_a.client().get(URL).status_code in (401, 403)


def test_another_municipality_sees_nothing_of_it(tenant_a, tenant_b, fake_webex):
    creds = register(fake_webex, "alpha")
    client_a, auth_a = _admin(tenant_a)
    client_a.put(URL, _webex_body(fake_webex, creds), content_type="application/json", **auth_a)
    # tenant_a's token on tenant_b's host is worthless …
    assert tenant_b.client().get(URL, **auth_a).status_code == 401
    # … and tenant_b's own admin sees its own (unconfigured) integration.
    client_b, auth_b = _admin(tenant_b)
    data = client_b.get(URL, **auth_b).json()
    assert data["provider"] == "builtin" and data["client_id"] == ""


# --------------------------------------------------------------------------- the page

PAGE = "/staff/video-integration/"


def _logged_in(ctx, email=None, password=None):
    from tests.conftest import PASSWORD

    client = ctx.client()
    with ctx.schema():  # the account and its session live in the municipality's schema
        assert client.login(username=email or ctx.admin_email, password=password or PASSWORD)
    return client


def test_page_needs_a_logged_in_admin(tenant_a):
    anonymous = tenant_a.client().get(PAGE)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
    with tenant_a.schema():
        staff = make_official(make_office("amt-page"), email="staff-page@example.org")
    client = _logged_in(tenant_a, staff.user.email, "pw-123456")
    assert client.get(PAGE).status_code == 403


def test_page_saves_settings_and_shows_the_test_result(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client = _logged_in(tenant_a)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Verbindung testen" in html and 'type="password"' in html

    response = client.post(PAGE, {**_webex_body(fake_webex, creds), "action": "save"})
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    assert "Die Einstellungen wurden gespeichert." in page
    assert "Gespeichert (wird aus Sicherheitsgründen nicht angezeigt)." in page
    assert not any(s in page for s in _secrets(creds))

    ok = client.post(PAGE, {"action": "test"}).content.decode()
    assert "Verbindung erfolgreich getestet." in ok

    fake_webex.revoke_refresh_token(
        creds.client_id, fake_webex.valid_refresh_tokens(creds.client_id)[0]
    )
    failed = client.post(PAGE, {"action": "test"}).content.decode()
    assert 'role="alert"' in failed
    assert "The refresh token is invalid or expired." in failed


def test_page_refuses_wrong_credentials_with_the_providers_message(tenant_a, fake_webex):
    creds = register(fake_webex, "alpha")
    client = _logged_in(tenant_a)
    response = client.post(
        PAGE, {**_webex_body(fake_webex, creds, client_secret="falsch"), "action": "save"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and "Client authentication failed." in html
    assert "Die Zugangsdaten wurden nicht gespeichert" in html
    assert "Die Einstellungen wurden gespeichert." not in html
    live = _live(tenant_a)
    assert live is None or live.provider == "builtin"


def test_page_shows_field_errors_without_saving(tenant_a):
    client = _logged_in(tenant_a)
    response = client.post(PAGE, {"provider": "webex", "client_id": "", "action": "save"})
    assert response.status_code == 200
    assert "Für Webex erforderlich." in response.content.decode()
    with tenant_a.schema():
        assert not VideoIntegration.objects.filter(provider="webex").exists()


def test_the_api_is_described_in_the_openapi_schema(tenant_a):
    response = tenant_a.client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/admin/video-integration/" in paths
    assert "/api/admin/video-integration/test/" in paths
    assert "client_secret" not in json.dumps(
        paths["/api/admin/video-integration/"]["get"]["responses"]
    )
