"""Onboarding and lifecycle of municipalities. One service behind the CLI, API and console."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from platform_core import tenancy
from platform_core.audit import audit, diff
from platform_core.models import User
from platform_core.services import set_password_mail_send, user_create
from tenants import validators
from tenants.events import MunicipalityOnboarded, municipality_onboarded
from tenants.models import Domain, Municipality
from tenants.plans import DEFAULT_PLAN, Plan

Progress = Callable[[str], None]


@dataclass(frozen=True)
class OnboardingInput:
    slug: str
    name: str
    state: str
    kind: str
    domains: Sequence[str]
    admin_email: str
    admin_password: str | None = None
    plan: str | None = None
    # Optional billing details (e-mail, address, VAT ID, Leitweg-ID), handed to the billing
    # subscriber of `municipality_onboarded` as they are.
    billing: Mapping[str, str] = field(default_factory=dict)


def onboarding_validate(data: OnboardingInput) -> OnboardingInput:
    """Check every field; raise one ValidationError with all field errors at once."""
    errors: dict[str, list[ValidationError]] = {}

    def check(field: str, fn: Callable, value):
        try:
            return fn(value)
        except ValidationError as exc:
            errors.setdefault(field, []).append(exc)
            return value

    slug = check("slug", validators.validate_slug, data.slug)
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        errors.setdefault("name", []).append(
            ValidationError(
                _("A name of at most 200 characters is required."), code="name_required"
            )
        )
    state = check("state", validators.validate_state, data.state)
    kind = check("kind", validators.validate_kind, data.kind)
    admin_email = check("admin_email", validators.validate_admin_email, data.admin_email)
    domains: list[str] = []
    for raw in data.domains or []:
        host = check("domains", validators.validate_domain, raw)
        if host in domains:
            errors.setdefault("domains", []).append(
                ValidationError(
                    _("“%(host)s” is listed twice.") % {"host": host}, code="domain_duplicate"
                )
            )
        domains.append(host)
    if "slug" not in errors:
        platform_host = f"{slug}.{settings.PLATFORM_DOMAIN}"
        if platform_host not in domains:
            # Every municipality answers on its platform subdomain as well.
            check("domains", validators.validate_domain, platform_host)
            domains.append(platform_host)
    plan = data.plan or DEFAULT_PLAN
    if plan not in Plan.values:
        errors.setdefault("plan", []).append(
            ValidationError(
                _("Unknown plan; use one of %(plans)s.") % {"plans": ", ".join(Plan.values)},
                code="plan_invalid",
            )
        )
    if errors:
        raise ValidationError(errors)
    return OnboardingInput(
        slug=slug,
        name=name,
        state=state,
        kind=kind,
        domains=domains,
        admin_email=admin_email,
        admin_password=data.admin_password,
        plan=plan,
        billing=dict(data.billing or {}),
    )


def municipality_onboard(
    *, data: OnboardingInput, acting_user: User | None = None, progress: Progress | None = None
) -> Municipality:
    """Create a municipality: schema (cloned from the template), domains, first admin, and
    whatever the subscribers of `municipality_onboarded` add (billing opens its account) —
    all or nothing. PostgreSQL DDL is transactional, so a failure at any step rolls the
    schema back together with the rows."""
    say = progress or (lambda message: None)
    tenancy.activate_public()
    data = onboarding_validate(data)
    started = time.monotonic()
    try:
        with transaction.atomic():
            tenant = Municipality(
                schema_name=data.slug, name=data.name, state=data.state, kind=data.kind
            )
            tenant.save()
            say(f"Creating schema “{data.slug}”…")
            tenant.create_schema(check_if_exists=False, verbosity=0)
            say("Schema created.")
            for index, host in enumerate(data.domains):
                Domain.objects.create(domain=host, tenant=tenant, is_primary=index == 0)
            say(f"Domains: {', '.join(data.domains)}")
            audit(
                acting_user=acting_user,
                action="municipality.onboard",
                obj=tenant,
                changes={"slug": data.slug, "domains": list(data.domains), "plan": data.plan},
            )
            with tenancy.tenant_context(tenant):
                admin = user_create(
                    email=data.admin_email, role=User.Role.ADMIN, password=data.admin_password
                )
                if not data.admin_password:
                    base_url = tenant.url()
                    transaction.on_commit(lambda: _send_set_password(tenant, admin, base_url))
            say(f"Administrator {data.admin_email} created.")
            municipality_onboarded.send(
                sender=Municipality,
                event=MunicipalityOnboarded(
                    municipality=tenant,
                    plan=data.plan or DEFAULT_PLAN,
                    admin_email=data.admin_email,
                    billing=data.billing,
                ),
            )
    except BaseException:
        tenancy.activate_public()
        _drop_orphan_schema(data.slug)
        raise
    tenancy.activate_public()
    say(f"Done in {time.monotonic() - started:.2f} s: {tenant.url()}")
    return tenant


def _send_set_password(tenant: Municipality, admin: User, base_url: str) -> None:
    with tenancy.tenant_context(tenant):
        set_password_mail_send(user=admin, base_url=base_url, organisation=tenant.name)


def _drop_orphan_schema(slug: str) -> None:
    """Belt and braces: the rollback removes the schema; this covers a caller that had already
    committed part of the work outside our atomic block."""
    if (
        validators.SLUG_RE.match(slug)
        and schema_exists(slug)
        and not Municipality.objects.filter(schema_name=slug).exists()
    ):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{slug}" CASCADE')


@transaction.atomic
def municipality_update(
    *, municipality: Municipality, acting_user: User | None, **fields
) -> Municipality:
    allowed = {"name", "status", "data_retention_days", "time_zone"}
    values = {k: v for k, v in fields.items() if k in allowed}
    changes = diff(municipality, values)
    for key, value in values.items():
        setattr(municipality, key, value)
    municipality.full_clean(exclude=["schema_name"])
    municipality.save()
    if changes:
        audit(
            acting_user=acting_user, action="municipality.update", obj=municipality, changes=changes
        )
    return municipality
