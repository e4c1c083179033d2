"""Validation of onboarding input: slug (schema and host label), domains, state, e-mail."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.translation import gettext as _

from tenants import error_codes
from tenants.models import Domain, Municipality, State

# A slug is both a PostgreSQL schema name and a DNS label: lower-case letters, digits and
# single hyphens, starting with a letter.
SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,62}$")
RESERVED_SLUGS = frozenset(
    {
        "public",
        "www",
        "api",
        "admin",
        "static",
        "media",
        "platform",
        "app",
        "mail",
        "smtp",
        "status",
        "help",
        "support",
        "docs",
        "webhooks",
        "assets",
        "cdn",
        "localhost",
        "vendor",
        "billing",
        "staff",
        "auth",
        "login",
        "test",
        "information-schema",
        "information_schema",
        settings.TENANT_BASE_SCHEMA,
    }
)
LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise ValidationError(
            _(
                "Use 2–63 lower-case letters, digits or single hyphens, starting with a letter "
                "and not ending with a hyphen."
            ),
            code=error_codes.SLUG_INVALID,
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved.") % {"slug": slug}, code=error_codes.SLUG_RESERVED
        )
    if Municipality.objects.filter(schema_name__iexact=slug).exists():
        raise ValidationError(
            _("“%(name)s” is taken.") % {"name": slug}, code=error_codes.SLUG_TAKEN
        )
    return slug


def normalise_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".") if isinstance(domain, str) else ""


def validate_domain(domain: str) -> str:
    host = normalise_domain(domain)
    labels = host.split(".")
    if (
        not host
        or len(host) > 253
        or len(labels) < 2
        or not all(LABEL_RE.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(
            _("“%(host)s” is not a valid host name.") % {"host": domain},
            code=error_codes.DOMAIN_INVALID,
        )
    if host in settings.PUBLIC_HOSTS:
        raise ValidationError(
            _("“%(host)s” is the platform's own host.") % {"host": host},
            code=error_codes.DOMAIN_TAKEN,
        )
    if Domain.objects.filter(Q(domain__iexact=host)).exists():
        raise ValidationError(
            _("“%(name)s” is taken.") % {"name": host}, code=error_codes.DOMAIN_TAKEN
        )
    return host


def validate_state(state: str) -> str:
    code = state.strip().upper() if isinstance(state, str) else ""
    if code not in State.values:
        raise ValidationError(
            _("“%(state)s” is not a German state code; use one of %(codes)s.")
            % {"state": state, "codes": ", ".join(State.values)},
            code=error_codes.STATE_INVALID,
        )
    return code


def validate_kind(kind: str) -> str:
    if kind not in Municipality.Kind.values:
        raise ValidationError(_("Kind must be “town” or “county”."), code=error_codes.KIND_INVALID)
    return kind


def validate_admin_email(email: str) -> str:
    value = email.strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(
            _("A valid administrator e-mail address is required."),
            code=error_codes.ADMIN_EMAIL_INVALID,
        ) from exc
    return value
