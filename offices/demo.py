"""The demo data of CONTRACT.md §1: `seed_demo()` creates the vendor and the municipalities
(tenants.demo), then each municipality's offices, services, opening hours and one official per
office. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from django.db import transaction

from offices.models import Office, OpeningWindow, Service
from offices.services import staff_account_create
from platform_core import tenancy
from platform_core.models import User
from tenants.demo import demo_municipalities_seed

STAFF_PASSWORD = "demo-staff-pw"  # noqa: S105 - documented demo login

# (service slug, name, minutes, in person, video, what to bring)
DemoService = tuple[str, str, int, bool, bool, str]
# (slug, name, description, ticket prefix, services)
DemoOffice = tuple[str, str, str, str, list[DemoService]]

# (slug, name, description, ticket prefix, [(service slug, name, minutes, in person, video,
# what to bring)])
BURGLENGENFELD_OFFICES: list[DemoOffice] = [
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
REGENSBURG_OFFICES: list[DemoOffice] = [
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
DEMO_OFFICES = {
    "burglengenfeld": BURGLENGENFELD_OFFICES,
    "landkreis-regensburg": REGENSBURG_OFFICES,
}
# Mon–Fri 08:00–12:00, Thursday also 14:00–18:00.
DEMO_WINDOWS = [(d, time(8), time(12)) for d in range(5)] + [(3, time(14), time(18))]


def seed_demo(*, say: Callable[[str], None] = lambda m: None) -> None:
    for tenant in demo_municipalities_seed(say=say):
        with tenancy.tenant_context(tenant):
            _seed_offices(tenant.slug, DEMO_OFFICES.get(tenant.slug, []), say)
        say(f"{tenant.name}: {tenant.url()}")


@transaction.atomic
def _seed_offices(slug: str, offices: list[DemoOffice], say: Callable[[str], None]) -> None:
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
