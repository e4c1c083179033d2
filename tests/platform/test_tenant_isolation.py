"""Tenancy is the first security boundary: accounts, sessions and tokens of one municipality
mean nothing on another municipality's host or on the vendor's public host."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD, api_token


def me(client: Client, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.get("/api/auth/me/", **headers)


def test_token_works_on_the_host_that_issued_it(tenant_a):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    response = me(tenant_a.client(), token)
    assert response.status_code == 200
    assert response.json() == {
        "email": tenant_a.admin_email,
        "role": "admin",
        "municipality": tenant_a.slug,
    }


def test_token_of_one_municipality_is_useless_on_another(tenant_a, tenant_b):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    response = me(tenant_b.client(), token)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_municipal_token_is_useless_on_the_public_host(tenant_a, public_client):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    assert me(public_client, token).status_code == 401
    listing = public_client.get(
        "/api/platform/municipalities/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert listing.status_code == 401


def test_vendor_token_is_refused_on_tenant_hosts(tenant_a, vendor_token, public_client):
    assert me(public_client, vendor_token).status_code == 200
    assert me(tenant_a.client(), vendor_token).status_code == 401


def test_admin_cannot_log_in_on_another_municipality(tenant_a, tenant_b):
    response = tenant_b.client().post(
        "/api/auth/token/",
        {"email": tenant_a.admin_email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    # nor through the login page
    page = tenant_b.client().post(
        "/account/login/", {"username": tenant_a.admin_email, "password": PASSWORD}
    )
    assert page.status_code == 200  # form shown again, not a redirect into the console
    assert "_auth_user_id" not in page.wsgi_request.session


def test_vendor_cannot_log_in_on_a_municipality(tenant_a):
    response = tenant_a.client().post(
        "/api/auth/token/",
        {"email": "vendor@example.org", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_session_of_one_municipality_is_worthless_on_another(tenant_a, tenant_b):
    browser_a = tenant_a.client()
    login = browser_a.post(
        "/account/login/", {"username": tenant_a.admin_email, "password": PASSWORD}
    )
    assert login.status_code == 302
    assert me(browser_a).status_code == 200
    session_cookie = browser_a.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["domain"] == ""  # host-only cookie

    stolen = tenant_b.client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = session_cookie.value
    assert me(stolen).status_code in (401, 403)
    public = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    public.cookies[settings.SESSION_COOKIE_NAME] = session_cookie.value
    assert me(public).status_code in (401, 403)


def test_users_of_one_municipality_are_invisible_in_another(tenant_a, tenant_b):
    from platform_core.models import User

    with tenant_a.schema():
        emails_a = set(User.objects.values_list("email", flat=True))
    with tenant_b.schema():
        emails_b = set(User.objects.values_list("email", flat=True))
    assert tenant_a.admin_email in emails_a
    assert tenant_a.admin_email not in emails_b
    assert "vendor@example.org" not in emails_a | emails_b


@pytest.mark.parametrize("host", ["unknown.localhost", "evil.example.com"])
def test_unknown_host_gets_a_plain_404(db, host):
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content
    assert "kein Bürgerbüro" in response.content.decode()
