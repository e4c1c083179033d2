"""Accounts of one municipality: administrators and staff, with their offices."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from offices.cache import office_config_changed
from offices.models import Office, StaffMember
from platform_core.models import User
from platform_core.services import user_create
from tenants.validators import validate_admin_email


@transaction.atomic
def staff_account_create(
    *,
    email: str,
    password: str | None,
    role: str = User.Role.STAFF,
    office_slugs: Sequence[str] = (),
    full_name: str = "",
    acting_user: User | None = None,
) -> User:
    """Create an account in the current municipality; staff belong to one or more offices."""
    if role not in (User.Role.STAFF, User.Role.ADMIN):
        raise ValidationError({"role": ValidationError(_("Role must be staff or admin."))})
    email = validate_admin_email(email)
    offices = list(Office.objects.filter(slug__in=office_slugs))
    missing = sorted(set(office_slugs) - {o.slug for o in offices})
    if missing:
        raise ValidationError(
            {
                "office": ValidationError(
                    _("Unknown office: %(offices)s") % {"offices": ", ".join(missing)}
                )
            }
        )
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _("%(email)s exists already.") % {"email": email}, code="taken"
                )
            }
        )
    user = user_create(
        email=email, role=role, password=password, full_name=full_name, acting_user=acting_user
    )
    member = StaffMember.objects.create(user=user)
    if offices:
        member.offices.set(offices)
        member.services.set([s for o in offices for s in o.services.all()])
    office_config_changed()
    return user
