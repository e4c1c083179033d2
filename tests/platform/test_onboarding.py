"""Onboarding is one service behind three doors (CLI, vendor API, vendor console); bad input is
refused with a field error and leaves nothing behind; a failure half-way rolls back."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from platform_core.database import database_url_with_name
from platform_core.models import User
from tenants.models import Domain, Municipality
from tenants.services import OnboardingInput, municipality_onboard

GOOD = {
    "slug": "neustadt",
    "name": "Stadt Neustadt",
    "state": "BY",
    "kind": "town",
    "domains": ["buergerbuero.neustadt.de"],
    "admin_email": "it@neustadt.de",
}


def post(public_client, token, body):
    return public_client.post(
        "/api/platform/municipalities/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def assert_nothing_left(slug: str, domains=()):
    connection.set_schema_to_public()
    assert not Municipality.objects.filter(schema_name=slug).exists()
    assert not schema_exists(slug)
    for domain in domains:
        assert not Domain.objects.filter(domain=domain).exists()


def test_vendor_onboards_a_municipality_through_the_api(
    public_client, vendor_token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(public_client, vendor_token, GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "neustadt"
    assert body["status"] == "active"
    assert set(body["domains"]) == {
        "buergerbuero.neustadt.de",
        f"neustadt.{settings.PLATFORM_DOMAIN}",
    }
    assert body["url"].startswith("http://buergerbuero.neustadt.de")
    assert schema_exists("neustadt")
    with schema_context("neustadt"):
        admin = User.objects.get(email="it@neustadt.de")
        assert admin.role == "admin" and not admin.has_usable_password()
    # The admin is told how to set a password, with a link to the municipality's own host.
    assert len(mail.outbox) == 1
    assert "buergerbuero.neustadt.de" in mail.outbox[0].body
    assert "/account/set-password/" in mail.outbox[0].body
    # The new host answers at once.
    from django.test import Client

    assert Client(HTTP_HOST="neustadt.localhost").get("/healthz").status_code == 200


def test_set_password_link_lets_the_admin_log_in(
    public_client, vendor_token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(public_client, vendor_token, GOOD).status_code == 201
    link = next(line for line in mail.outbox[0].body.splitlines() if "set-password" in line)
    from django.test import Client

    browser = Client(HTTP_HOST="neustadt.localhost")
    path = link.split("neustadt.de", 1)[1].split(" ")[0]
    path = path.split(":8000", 1)[-1] if path.startswith(":") else path
    page = browser.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = browser.post(
        form_url, {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"}
    )
    assert done.status_code == 302
    token = browser.post(
        "/api/auth/token/",
        {"email": "it@neustadt.de", "password": "a-long-new-pass-42"},
        content_type="application/json",
    )
    assert token.status_code == 200


BAD_INPUTS = [
    ("slug", {"slug": "alpha-stadt"}, "slug_taken"),
    ("slug", {"slug": "public"}, "slug_reserved"),
    ("slug", {"slug": "www"}, "slug_reserved"),
    ("slug", {"slug": "platform"}, "slug_reserved"),
    ("slug", {"slug": "Neu Stadt"}, "slug_invalid"),
    ("slug", {"slug": "neu_stadt"}, "slug_invalid"),
    ("slug", {"slug": "-neustadt"}, "slug_invalid"),
    ("slug", {"slug": "9stadt"}, "slug_invalid"),
    ("domains", {"domains": ["alpha-stadt.localhost"]}, "domain_taken"),
    ("domains", {"domains": ["localhost"]}, "domain_invalid"),
    ("domains", {"domains": ["not a host"]}, "domain_invalid"),
    ("domains", {"domains": ["-bad-.de"]}, "domain_invalid"),
    ("state", {"state": "XX"}, "invalid_choice"),
    ("admin_email", {"admin_email": ""}, None),
    ("admin_email", {"admin_email": "not-an-email"}, None),
]


@pytest.mark.parametrize(("field", "change", "code"), BAD_INPUTS)
def test_api_refuses_bad_input_with_a_field_error(public_client, vendor_token, field, change, code):
    response = post(public_client, vendor_token, {**GOOD, **change})
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["detail"]
    if code:
        assert body["code"] == code
    slug = change.get("slug", GOOD["slug"])
    if code not in ("slug_taken", "slug_reserved"):
        assert_nothing_left(slug, ["buergerbuero.neustadt.de"])
    else:
        assert_nothing_left("neustadt", ["buergerbuero.neustadt.de"])


def test_api_refuses_missing_admin_email(public_client, vendor_token):
    body = {k: v for k, v in GOOD.items() if k != "admin_email"}
    response = post(public_client, vendor_token, body)
    assert response.status_code == 400
    assert "admin_email" in response.json()["errors"]
    assert_nothing_left("neustadt")


def test_only_vendor_staff_may_onboard(public_client, tenant_a):
    assert post(public_client, "nonsense", GOOD).status_code == 401
    assert public_client.get("/api/platform/municipalities/").status_code in (401, 403)


def test_failure_after_the_schema_exists_leaves_nothing_behind(db):
    seen = []

    def explode_after_schema(message: str) -> None:
        seen.append(message)
        if message == "Schema created.":
            assert schema_exists("pleitestadt")  # the failure really comes after the schema
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected failure"):
        municipality_onboard(
            data=OnboardingInput(
                slug="pleitestadt",
                name="Pleitestadt",
                state="BY",
                kind="town",
                domains=["pleite.example.de"],
                admin_email="a@pleite.de",
            ),
            progress=explode_after_schema,
        )
    assert "Schema created." in seen
    assert_nothing_left("pleitestadt", ["pleite.example.de", "pleitestadt.localhost"])
    assert not mail.outbox


def test_failure_on_admin_creation_rolls_back_schema_and_domains(db):
    def explode_on_admin(message: str) -> None:
        if message.startswith("Domains:"):
            raise ValueError("injected: admin creation failed")

    with pytest.raises(ValueError):
        municipality_onboard(
            data=OnboardingInput(
                slug="halbstadt",
                name="Halbstadt",
                state="BY",
                kind="town",
                domains=[],
                admin_email="a@halb.de",
            ),
            progress=explode_on_admin,
        )
    assert_nothing_left("halbstadt", ["halbstadt.localhost"])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "onboard_municipality", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_cli_env(),
    )


def _cli_env() -> dict[str, str]:
    # The CLI runs in its own process against the test database: the server settings read,
    # whatever its address (TCP, or a socket directory in a path with dots or spaces).
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_with_name(
        settings.DATABASE_URL, settings.DATABASES["default"]["NAME"]
    )
    return env


CLI_BAD = [
    (["--slug", "alpha-stadt"], "slug"),
    (["--slug", "public"], "slug"),
    (["--slug", "Bad Slug"], "slug"),
    (["--domain", "alpha-stadt.localhost"], "domains"),
    (["--domain", "no such host"], "domains"),
    (["--state", "ZZ"], "state"),
    (["--admin-email", "nope"], "admin_email"),
]


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(("override", "field"), CLI_BAD)
def test_cli_refuses_bad_input_with_one_line_and_no_traceback(override, field):
    args = {
        "--slug": "clistadt",
        "--name": "CLI-Stadt",
        "--state": "BY",
        "--kind": "town",
        "--domain": "cli.example.de",
        "--admin-email": "a@cli.de",
    }
    args.update(dict(zip(override[::2], override[1::2], strict=True)))
    flat = [x for pair in args.items() for x in pair]
    result = run_cli(*flat)
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError:") and field in lines[0]
    assert "Traceback" not in result.stderr
    connection.set_schema_to_public()
    assert not schema_exists("clistadt")


def test_cli_missing_admin_email_is_a_usage_error():
    result = run_cli(
        "--slug",
        "clistadt",
        "--name",
        "X",
        "--state",
        "BY",
        "--kind",
        "town",
        "--domain",
        "x.example.de",
    )
    assert result.returncode != 0
    assert "admin-email" in result.stderr
    assert "Traceback" not in result.stderr
