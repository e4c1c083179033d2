"""Input no view can handle is refused with a 400 and a code on every door of both hosts:
JSON nested deeper than JSON_MAX_DEPTH (Python's parser would die with RecursionError) and
NUL characters anywhere (PostgreSQL text cannot hold them)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.conf import settings

from offices.models import Office
from platform_core.request_input import BadInput, json_loads
from tests.conftest import PASSWORD, api_token
from tests.offices.factories import make_office
from tests.platform.url_samples import PUBLIC_PATHS, TENANT_PATHS

DEEP = "[" * 1000 + "]" * 1000  # 2 KB


def test_the_samples_cover_the_json_endpoints():
    assert "/api/auth/token/" in TENANT_PATHS and "/api/auth/token/" in PUBLIC_PATHS
    assert "/video/x/signal/" in TENANT_PATHS and "/webhooks/webex/x/" in PUBLIC_PATHS
    assert "/api/admin/offices/x/opening-hours/" in TENANT_PATHS


# --- deep JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_deep_json_is_400_on_every_tenant_door(tenant_a, path):
    for method in ("post", "put", "patch"):
        response = getattr(tenant_a.client(), method)(path, DEEP, content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.json()["code"] == "json_too_deep", (method, path)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_deep_json_is_400_on_every_public_door(public_client, path):
    response = public_client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400, (path, response.status_code)
    assert response.json()["code"] == "json_too_deep"


def test_deep_json_to_the_token_endpoint_names_the_limit(tenant_a):
    response = tenant_a.client().post("/api/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"
    assert "32" in response.json()["detail"]


def test_deep_json_as_an_authenticated_admin_is_400(tenant_a):
    client = tenant_a.client(
        HTTP_AUTHORIZATION=f"Token {api_token(tenant_a.client(), tenant_a.admin_email)}"
    )
    response = client.put(
        "/api/admin/offices/x/opening-hours/", DEEP, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "json_too_deep"


def test_deep_json_as_text_plain_to_the_video_signal_is_400(tenant_a):
    """Views that read the body themselves use the same parser, whatever the content type."""
    from tests.offices.factories import make_official
    from videoconf.services import video_session_open

    with tenant_a.schema():
        official = make_official(make_office("amt"))
        session = video_session_open(
            host=official.user, title="Videoberatung", subject_kind="", subject_id=None
        )
    response = tenant_a.client().post(
        f"/video/{session.guest_key}/signal/",
        '{"type": "offer", "payload": ' + DEEP + "}",
        content_type="text/plain",
    )
    assert response.status_code == 400 and response.json()["code"] == "json_too_deep"


def test_deep_json_as_text_plain_to_a_signed_webex_webhook_is_400(tenant_a, public_client):
    from videoconf.models import VideoIntegration

    with tenant_a.schema():
        integration = VideoIntegration(provider="webex")
        integration.set_secret("webhook_secret", "s3cret")
        integration.save()
    body = ('{"data": ' + DEEP + "}").encode()
    signature = hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
    response = public_client.post(
        f"/webhooks/webex/{tenant_a.slug}/",
        body,
        content_type="text/plain",
        HTTP_X_SPARK_SIGNATURE=signature,
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "webhook_bad_payload"
    assert "32" in response.json()["detail"]


def test_json_within_the_limit_still_works(tenant_a):
    nested = json.dumps({"email": tenant_a.admin_email, "password": PASSWORD, "x": [[[[1]]]]})
    response = tenant_a.client().post("/api/auth/token/", nested, content_type="application/json")
    assert response.status_code == 200


def test_json_loads_limits():
    limit = settings.JSON_MAX_DEPTH
    assert json_loads("[" * limit + "]" * limit) is not None
    with pytest.raises(BadInput) as deep:
        json_loads("[" * (limit + 1) + "]" * (limit + 1))
    assert deep.value.code == "json_too_deep"
    # Brackets inside strings are text, not nesting.
    assert json_loads(json.dumps({"k": "[" * 5000, "e": '\\"[['})) == {
        "k": "[" * 5000,
        "e": '\\"[[',
    }
    for bad, code in [
        ('{"a": NaN}', "parse_error"),
        ("[Infinity]", "parse_error"),
        ("{nope", "parse_error"),
        (b"\xff\xfe", "parse_error"),
        ('{"a\\u0000": 1}', "nul_character"),
        ('{"a": ["ok", {"b": "x\\u0000"}]}', "nul_character"),
    ]:
        with pytest.raises(BadInput) as exc:
            json_loads(bad)
        assert exc.value.code == code, bad


def test_malformed_json_keeps_its_parse_error_code(tenant_a):
    response = tenant_a.client().post("/api/auth/token/", "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


# --- NUL characters --------------------------------------------------------------------------


@pytest.mark.parametrize("path", TENANT_PATHS)
def test_nul_in_the_query_is_400_on_every_tenant_door(tenant_a, path):
    response = tenant_a.client().get(path + "?office=%00&date=2026-01-01%00")
    assert response.status_code == 400, (path, response.status_code)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_nul_in_the_query_is_400_on_every_public_door(public_client, path):
    response = public_client.get(path + "?search=a%00b")
    assert response.status_code == 400, (path, response.status_code)


@pytest.fixture
def admin_a(tenant_a):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    return tenant_a.client(HTTP_AUTHORIZATION=f"Token {token}")


def test_nul_in_an_admin_filter_is_400_with_a_code(admin_a):
    response = admin_a.get("/api/admin/services/?office=a%00")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_nul_in_a_json_string_is_400_and_nothing_is_saved(tenant_a, admin_a):
    response = admin_a.post(
        "/api/admin/offices/",
        {"slug": "amt", "name": "Bürger\x00amt"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    with tenant_a.schema():
        assert not Office.objects.filter(slug="amt").exists()


def test_nul_in_a_patch_form_is_400(tenant_a, admin_a):
    with tenant_a.schema():
        make_office("amt")
    response = admin_a.patch(
        "/api/admin/offices/amt/",
        "name=B%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"


def test_nul_in_a_login_form_is_a_400_page(tenant_a):
    response = tenant_a.client().post(
        "/account/login/", {"username": "a\x00@example.org", "password": "x"}
    )
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


def test_nul_in_a_url_path_is_400(tenant_a, public_client):
    assert (
        public_client.post(
            "/webhooks/webex/a%00b/", b"{}", content_type="application/json"
        ).status_code
        == 400
    )
    assert tenant_a.client().get("/api/appointments/A%00B/").status_code == 400
    assert tenant_a.client().get("/queue/%00/").status_code == 400


def test_nul_in_a_cookie_or_header_is_400(tenant_a):
    client = tenant_a.client(HTTP_COOKIE="sessionid=abcdefghijkl\x00mn")
    assert client.get("/staff/").status_code == 400
    assert (
        tenant_a.client(HTTP_AUTHORIZATION="Token a\x00b").get("/api/auth/me/").status_code == 400
    )


def test_the_nul_answer_follows_the_language(tenant_a):
    german = tenant_a.client().get("/api/offices/?x=%00").json()["detail"]
    english = tenant_a.client(HTTP_ACCEPT_LANGUAGE="en").get("/api/offices/?x=%00").json()
    assert "NUL" in german and "nicht erlaubt" in german
    assert english["detail"].startswith("The request contains a NUL character")


def test_views_that_read_the_body_still_can_after_the_form_check(tenant_a, public_client):
    """The middleware parses forms from a copy: a view reading the raw body keeps working."""
    response = public_client.post(f"/webhooks/webex/{tenant_a.slug}/", {"data": "x"})
    assert response.status_code == 404 and response.json()["code"] == "webhook_not_configured"
    with tenant_a.schema():
        from tests.offices.factories import make_official
        from videoconf.services import video_session_open

        session = video_session_open(
            host=make_official(make_office("amt")).user,
            title="Videoberatung",
            subject_kind="",
            subject_id=None,
        )
    signal = tenant_a.client().post(f"/video/{session.guest_key}/signal/", {"type": "hello"})
    assert signal.status_code == 400 and signal.json()["code"] == "signal_invalid"
