"""The demo data of CONTRACT.md §1. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from django.conf import settings
from django.db import transaction

from offices.models import Office, OpeningWindow, Service
from platform_core import tenancy
from platform_core.models import User
from platform_core.services import user_create
from tenants.models import Municipality
from tenants.services import OnboardingInput, municipality_onboard
from tenants.staffing import staff_account_create

VENDOR_EMAIL = "vendor@example.org"
VENDOR_PASSWORD = "demo-vendor-pw"  # noqa: S105 - documented demo login
ADMIN_PASSWORD = "demo-admin-pw"  # noqa: S105
STAFF_PASSWORD = "demo-staff-pw"  # noqa: S105

# (slug, name, description, ticket prefix, [(service slug, name, minutes, in person, video,
# what to bring)])
BURGLENGENFELD_OFFICES = [
    (
        "buergerbuero",
        "Bürgerbüro",
        "Ausweise, Pässe, Meldewesen.",
        "B",
        [
            (
                "personalausweis",
                "Personalausweis beantragen",
                20,
                True,
                False,
                "Altes Ausweisdokument, ein aktuelles biometrisches Passfoto.",
            ),
            (
                "reisepass",
                "Reisepass beantragen",
                20,
                True,
                False,
                "Alter Reisepass oder Personalausweis, ein biometrisches Passfoto.",
            ),
            (
                "meldebescheinigung",
                "Meldebescheinigung",
                10,
                True,
                True,
                "Personalausweis oder Reisepass.",
            ),
            (
                "wohnsitz-anmelden",
                "Wohnsitz anmelden",
                15,
                True,
                True,
                "Personalausweis, Wohnungsgeberbestätigung.",
            ),
        ],
    ),
    (
        "rente",
        "Rentenangelegenheiten",
        "Beratung und Anträge zur gesetzlichen Rente.",
        "R",
        [
            (
                "rentenantrag",
                "Rentenantrag stellen",
                45,
                True,
                True,
                "Rentenversicherungsnummer, Personalausweis, Bankverbindung.",
            ),
            (
                "kontenklaerung",
                "Kontenklärung",
                30,
                True,
                True,
                "Versicherungsverlauf, Nachweise über Ausbildungs- und Kindererziehungszeiten.",
            ),
        ],
    ),
    (
        "standesamt",
        "Standesamt",
        "Urkunden und Eheschließungen.",
        "S",
        [
            ("geburtsurkunde", "Geburtsurkunde", 10, True, True, "Personalausweis."),
            (
                "eheschliessung-anmelden",
                "Eheschließung anmelden",
                45,
                True,
                True,
                "Personalausweise, Geburtsurkunden, erweiterte Meldebescheinigungen.",
            ),
            (
                "sterbeurkunde",
                "Sterbeurkunde",
                15,
                True,
                True,
                "Personalausweis, ärztliche Todesbescheinigung.",
            ),
        ],
    ),
]
REGENSBURG_OFFICES = [
    (
        "kfz-zulassung",
        "Kfz-Zulassung",
        "Zulassung, Umschreibung und Abmeldung von Fahrzeugen.",
        "K",
        [
            (
                "neuzulassung",
                "Fahrzeug zulassen",
                20,
                True,
                False,
                "Zulassungsbescheinigung Teil I und II, eVB-Nummer, SEPA-Mandat.",
            ),
            (
                "abmeldung",
                "Fahrzeug abmelden",
                10,
                True,
                False,
                "Kennzeichen, Zulassungsbescheinigung.",
            ),
            ("beratung-zulassung", "Beratung zur Zulassung", 15, False, True, ""),
        ],
    ),
    (
        "fuehrerscheinstelle",
        "Führerscheinstelle",
        "Führerscheine und Fahrerlaubnisse.",
        "F",
        [
            (
                "umtausch",
                "Führerschein umtauschen",
                15,
                True,
                False,
                "Alter Führerschein, Personalausweis, biometrisches Passfoto.",
            ),
            ("ersterteilung-beratung", "Beratung zur Ersterteilung", 15, False, True, ""),
        ],
    ),
]
MUNICIPALITIES = [
    ("burglengenfeld", "Stadt Burglengenfeld", "BY", "town", BURGLENGENFELD_OFFICES),
    ("landkreis-regensburg", "Landkreis Regensburg", "BY", "county", REGENSBURG_OFFICES),
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
# Mon–Fri 08:00–12:00, Thursday also 14:00–18:00.
DEMO_WINDOWS = [(d, time(8), time(12)) for d in range(5)] + [(3, time(14), time(18))]


def seed_demo(*, say: Callable[[str], None] = lambda m: None) -> None:
    tenancy.activate_public()
    if not User.objects.filter(email=VENDOR_EMAIL).exists():
        user_create(
            email=VENDOR_EMAIL,
            role=User.Role.VENDOR,
            password=VENDOR_PASSWORD,
            full_name="Demo Vendor",
        )
        say(f"vendor {VENDOR_EMAIL}")
    for slug, name, state, kind, offices in MUNICIPALITIES:
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
        with tenancy.tenant_context(tenant):
            _seed_offices(slug, offices, say)
        say(f"{name}: {tenant.url()}")


@transaction.atomic
def _seed_offices(slug: str, offices: list, say: Callable[[str], None]) -> None:
    for order, (office_slug, name, description, prefix, services) in enumerate(offices):
        office, created = Office.objects.get_or_create(
            slug=office_slug,
            defaults={
                "name": name,
                "description": description,
                "ticket_prefix": prefix,
                "order": order,
                "languages": ["de", "en"],
                "address": "Rathaus, Erdgeschoss",
            },
        )
        if created:
            for weekday, start, end in DEMO_WINDOWS:
                OpeningWindow.objects.create(office=office, weekday=weekday, start=start, end=end)
        for s_order, (s_slug, s_name, minutes, in_person, video, bring) in enumerate(services):
            Service.objects.get_or_create(
                office=office,
                slug=s_slug,
                defaults={
                    "name": s_name,
                    "duration_minutes": minutes,
                    "offers_in_person": in_person,
                    "offers_video": video,
                    "what_to_bring": bring,
                    "order": s_order,
                },
            )
        email = f"staff.{office_slug}@{slug}.example.org"
        if not User.objects.filter(email=email).exists():
            staff_account_create(
                email=email,
                password=STAFF_PASSWORD,
                office_slugs=[office_slug],
                full_name=f"Sachbearbeitung {name}",
            )
            say(f"  staff {email}")
