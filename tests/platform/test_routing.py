"""Per-host routing, operations endpoints, OpenAPI per host, security headers, suspension."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.services import municipality_update


def test_healthz_and_readyz_answer_on_every_kind_of_host(tenant_a, public_client):
    from health.services import heartbeat_record

    for role in ("worker", "beat"):
        heartbeat_record(role=role)
    for client in (tenant_a.client(), public_client):
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.content
        assert ready.json()["database"] == "ok"


def test_readyz_names_the_broker_when_it_does_not_answer(public_client, monkeypatch):
    from platform_core.celery import app

    # broker_write_url is what readyz connects to; CELERY_BROKER_URL in the environment would
    # win over the app's broker_url, so point the write URL at a port nobody listens on.
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    previous = app.conf.broker_write_url if "broker_write_url" in app.conf else None
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = public_client.get("/readyz")
    finally:
        app.conf.broker_write_url = previous
    assert response.status_code == 503
    assert "broker" in response.json()["failed"]
    assert "database" not in response.json()["failed"]


def test_each_host_describes_its_own_api(tenant_a, public_client):
    public = public_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    tenant = tenant_a.client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/platform/municipalities/" in public["paths"]
    assert "/api/platform/municipalities/" not in tenant["paths"]
    assert "/api/auth/token/" in public["paths"] and "/api/auth/token/" in tenant["paths"]
    for client in (tenant_a.client(), public_client):
        docs = client.get("/api/docs/")
        assert docs.status_code == 200
        assert b"cdn.jsdelivr" not in docs.content  # served by us, no CDN


def test_public_host_serves_product_page_and_guards_the_console(public_client):
    assert public_client.get("/").status_code == 200
    console = public_client.get("/platform/")
    assert console.status_code == 302 and "/platform/login/" in console["Location"]


def test_vendor_logs_into_the_console_and_sees_municipalities(public_client):
    from tests.conftest import PASSWORD

    login = public_client.post(
        "/platform/login/", {"username": "vendor@example.org", "password": PASSWORD}
    )
    assert login.status_code == 302
    page = public_client.get("/platform/")
    assert page.status_code == 200
    assert "Stadt Alpha" in page.content.decode()


def test_console_onboarding_form_shows_field_errors(public_client):
    from tests.conftest import PASSWORD

    public_client.post("/platform/login/", {"username": "vendor@example.org", "password": PASSWORD})
    response = public_client.post(
        "/platform/municipalities/new/",
        {
            "slug": "alpha-stadt",
            "name": "X",
            "state": "BY",
            "kind": "town",
            "admin_email": "a@b.de",
            "plan": "standard",
        },
    )
    assert response.status_code == 400
    assert "ist schon vergeben" in response.content.decode()


def test_security_headers(tenant_a):
    response = tenant_a.client().get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_suspended_municipality_shows_a_friendly_503(tenant_a):
    municipality_update(municipality=tenant_a.tenant, acting_user=None, status="suspended")
    page = tenant_a.client().get("/")
    assert page.status_code == 503
    assert "vorübergehend nicht verfügbar" in page.content.decode().lower()
    api = tenant_a.client().get("/api/offices/")
    assert api.status_code == 503
    assert api.json()["code"] == "municipality_suspended"
    assert tenant_a.client().get("/healthz").status_code == 200


def test_vendor_suspends_and_reactivates_through_the_api(tenant_a, public_client, vendor_token):
    auth = {"HTTP_AUTHORIZATION": f"Token {vendor_token}"}
    response = public_client.patch(
        f"/api/platform/municipalities/{tenant_a.slug}/",
        {"status": "suspended"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert tenant_a.client().get("/").status_code == 503
    public_client.patch(
        f"/api/platform/municipalities/{tenant_a.slug}/",
        {"status": "active"},
        content_type="application/json",
        **auth,
    )
    assert tenant_a.client().get("/").status_code == 200
    bad = public_client.patch(
        f"/api/platform/municipalities/{tenant_a.slug}/",
        {"status": "gone"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    missing = public_client.get("/api/platform/municipalities/nope/", **auth)
    assert missing.status_code == 404 and missing.json()["code"]


def test_bad_json_is_a_400_not_a_500(public_client, vendor_token):
    response = public_client.post(
        "/api/platform/municipalities/",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {vendor_token}",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_sentry_scrubber_drops_personal_data():
    from platform_core.sentry import scrub_event

    event = {
        "request": {
            "data": {"email": "a@b.de"},
            "cookies": {"sessionid": "x"},
            "headers": {"Authorization": "Token abc", "Accept": "*/*"},
        },
        "user": {"id": 7, "email": "a@b.de"},
    }
    scrubbed = scrub_event(event)
    assert scrubbed["request"]["data"] == "[scrubbed]"
    assert scrubbed["request"]["headers"]["Authorization"] == "[scrubbed]"
    assert scrubbed["request"]["headers"]["Accept"] == "*/*"
    assert scrubbed["user"] == {"id": 7}


def test_unknown_path_on_tenant_is_404(tenant_a):
    assert Client(HTTP_HOST=tenant_a.host).get("/nope/").status_code == 404


@pytest.mark.parametrize("urlconf", ["platform_core.urls_public", "platform_core.urls_tenant"])
def test_openapi_schema_generates_without_warnings(urlconf, tmp_path):
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--urlconf",
            urlconf,
            "--fail-on-warn",
            "--validate",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
