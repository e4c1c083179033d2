"""Accounts: create users in the current schema, and send set-password links."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from platform_core.audit import audit, diff
from platform_core.models import User


def role_flags(role: str) -> dict[str, bool]:
    """What a role implies, the one rule for every door (admin API create and patch,
    `create_staff`, onboarding, the demo seed, the Django admin): municipal admins may use
    the administration pages (is_staff) and get every permission inside their own schema
    from User.has_perm, never from is_superuser; only the vendor's staff are superusers."""
    return {
        "is_staff": role in (User.Role.ADMIN, User.Role.VENDOR),
        "is_superuser": role == User.Role.VENDOR,
    }


USER_FIELDS = ("full_name", "role", "is_active")


@transaction.atomic
def user_update(*, user: User, acting_user: User | None, **fields: Any) -> User:
    """Change an account's name, role or active flag; the role's flags follow role_flags."""
    values = {k: v for k, v in fields.items() if k in USER_FIELDS}
    changes = diff(user, values)
    for key, value in values.items():
        setattr(user, key, value)
    for key, value in role_flags(user.role).items():
        setattr(user, key, value)
    user.save()
    if changes:
        audit(acting_user=acting_user, action="user.update", obj=user, changes=changes)
    return user


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    full_name: str = "",
    acting_user: User | None = None,
) -> User:
    """Create an account in the current schema. Admins may use the Django admin pages."""
    user = User.objects.create_user(
        email=email,
        password=password,
        role=role,
        full_name=full_name,
        **role_flags(role),
    )
    audit(
        acting_user=acting_user,
        action="user.create",
        obj=user,
        changes={"email": user.email, "role": role},
    )
    return user


def set_password_url(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse(
        "set-password", kwargs={"uidb64": uid, "token": token}, urlconf=settings.ROOT_URLCONF
    )
    return base_url.rstrip("/") + path


def set_password_mail_send(*, user: User, base_url: str, organisation: str) -> None:
    """The new account's set-password link. In the platform's language (German): whoever
    creates the account, its owner works for a German municipality."""
    link = set_password_url(user=user, base_url=base_url)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your access to the Virtuelles Bürgerbüro – %(organisation)s") % {
            "organisation": organisation
        }
        message = _(
            "Hello,\n\nan account for the Virtuelles Bürgerbüro of %(organisation)s has been "
            "set up for you.\nPlease set your password:\n\n%(link)s\n\nThe link is valid "
            "for three days.\n"
        ) % {"organisation": organisation, "link": link}
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])
