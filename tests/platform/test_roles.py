"""What a role implies is one rule (platform_core.services.role_flags), whichever door made
or changed the account: the admin API's create and patch, `create_staff`, the Django admin.
Municipal admins use the administration through User.has_perm, never as superusers."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from platform_core.models import User
from platform_core.services import role_flags
from tests.conftest import PASSWORD, api_token

ADMIN = {"is_staff": True, "is_superuser": False}
STAFF = {"is_staff": False, "is_superuser": False}


def _flags(ctx, email: str) -> dict[str, bool]:
    with ctx.schema():
        user = User.objects.get(email=email)
        return {"is_staff": user.is_staff, "is_superuser": user.is_superuser}


@pytest.fixture
def admin_api(tenant_a):
    token = api_token(tenant_a.client(), tenant_a.admin_email)
    return tenant_a.client(HTTP_AUTHORIZATION=f"Token {token}")


def test_the_rule():
    assert role_flags("admin") == ADMIN
    assert role_flags("staff") == STAFF
    assert role_flags("vendor") == {"is_staff": True, "is_superuser": True}


def _create(admin_api, email: str, role: str) -> int:
    response = admin_api.post(
        "/api/admin/staff/",
        {"email": email, "role": role, "password": "a-long-password"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_create_and_patch_through_the_api_agree(tenant_a, admin_api):
    _create(admin_api, "created.admin@example.org", "admin")
    promoted = _create(admin_api, "promoted@example.org", "staff")
    assert _flags(tenant_a, "promoted@example.org") == STAFF

    response = admin_api.patch(
        f"/api/admin/staff/{promoted}/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert _flags(tenant_a, "promoted@example.org") == _flags(tenant_a, "created.admin@example.org")
    assert _flags(tenant_a, "promoted@example.org") == ADMIN

    admin_api.patch(
        f"/api/admin/staff/{promoted}/", {"role": "staff"}, content_type="application/json"
    )
    assert _flags(tenant_a, "promoted@example.org") == STAFF


def test_a_patch_without_a_role_keeps_the_flags(tenant_a, admin_api):
    member = _create(admin_api, "named@example.org", "admin")
    admin_api.patch(
        f"/api/admin/staff/{member}/", {"full_name": "Erika"}, content_type="application/json"
    )
    assert _flags(tenant_a, "named@example.org") == ADMIN


def test_the_create_staff_command_agrees(tenant_a):
    call_command(
        "create_staff",
        tenant=tenant_a.slug,
        email="cli.admin@example.org",
        password="a-long-password",
        role="admin",
    )
    call_command(
        "create_staff",
        tenant=tenant_a.slug,
        email="cli.staff@example.org",
        password="a-long-password",
    )
    assert _flags(tenant_a, "cli.admin@example.org") == ADMIN
    assert _flags(tenant_a, "cli.staff@example.org") == STAFF
    assert _flags(tenant_a, tenant_a.admin_email) == ADMIN  # made by onboarding


def test_the_django_admin_agrees_and_offers_no_vendor_role(tenant_a, admin_api):
    _create(admin_api, "via.admin.page@example.org", "staff")
    with tenant_a.schema():
        user = User.objects.get(email="via.admin.page@example.org")
    client = tenant_a.client()
    with tenant_a.schema():
        assert client.login(username=tenant_a.admin_email, password=PASSWORD)
    url = f"/admin/platform_core/user/{user.pk}/change/"
    form = client.get(url).content.decode()
    assert 'value="admin"' in form and 'value="vendor"' not in form
    response = client.post(
        url,
        {"email": user.email, "full_name": "", "role": "admin", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert _flags(tenant_a, "via.admin.page@example.org") == ADMIN
