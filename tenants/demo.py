"""The demo data of CONTRACT.md §1, the tenants' part: the vendor and the two municipalities
(their offices, hours and staff come from offices.demo; `manage.py seed_demo` runs both).
Idempotent: running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.conf import settings

from platform_core import tenancy
from platform_core.models import User
from platform_core.services import user_create
from tenants.models import Municipality
from tenants.services import OnboardingInput, municipality_onboard

VENDOR_EMAIL = "vendor@example.org"
VENDOR_PASSWORD = "demo-vendor-pw"  # noqa: S105 - documented demo login
ADMIN_PASSWORD = "demo-admin-pw"  # noqa: S105

MUNICIPALITIES = [
    ("burglengenfeld", "Stadt Burglengenfeld", "BY", "town"),
    ("landkreis-regensburg", "Landkreis Regensburg", "BY", "county"),
]
# Plan and billing details (handed to billing on onboarding); Leitweg-IDs for the e-invoice.
DEMO_BILLING = {
    "burglengenfeld": (
        "standard",
        {
            "address_line1": "Marktplatz 2-6",
            "postal_code": "93133",
            "city": "Burglengenfeld",
            "leitweg_id": "09376116-RECHNUNG-06",
        },
    ),
    "landkreis-regensburg": (
        "county",
        {
            "address_line1": "Altmühlstraße 3",
            "postal_code": "93059",
            "city": "Regensburg",
            "leitweg_id": "09375000-RECHNUNG-02",
        },
    ),
}


def demo_municipalities_seed(
    *, say: Callable[[str], None] = lambda m: None
) -> Iterator[Municipality]:
    """The vendor account, then each demo municipality (onboarded unless it exists), yielded
    one by one so the caller can fill it before the next one is announced."""
    tenancy.activate_public()
    if not User.objects.filter(email=VENDOR_EMAIL).exists():
        user_create(
            email=VENDOR_EMAIL,
            role=User.Role.VENDOR,
            password=VENDOR_PASSWORD,
            full_name="Demo Vendor",
        )
        say(f"vendor {VENDOR_EMAIL}")
    for slug, name, state, kind in MUNICIPALITIES:
        tenant = Municipality.objects.filter(schema_name=slug).first()
        if tenant is None:
            tenant = municipality_onboard(
                data=OnboardingInput(
                    slug=slug,
                    name=name,
                    state=state,
                    kind=kind,
                    domains=[f"{slug}.{settings.PLATFORM_DOMAIN}"],
                    admin_email=f"admin@{slug}.example.org",
                    admin_password=ADMIN_PASSWORD,
                    plan=DEMO_BILLING[slug][0],
                    billing=DEMO_BILLING[slug][1],
                ),
                progress=say,
            )
        yield tenant
