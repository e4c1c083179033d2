"""`manage.py seed_demo` (CONTRACT.md §1): tenants seeds the vendor and the municipalities,
offices their offices, hours, services and officials; a second run changes nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from offices.models import Office, OpeningWindow, Service, StaffMember
from platform_core import tenancy
from platform_core.models import User
from tenants.models import Municipality


def _counts() -> dict[str, int]:
    counts = {"municipalities": Municipality.objects.count(), "users": User.objects.count()}
    for slug in ("burglengenfeld", "landkreis-regensburg"):
        with tenancy.tenant_context(slug):
            counts[slug] = sum(
                model.objects.count()
                for model in (Office, OpeningWindow, Service, StaffMember, User)
            )
    return counts


def test_seed_demo_creates_the_contract_s_demo_and_a_second_run_changes_nothing(db):
    first = StringIO()
    call_command("seed_demo", stdout=first)
    assert "Stadt Burglengenfeld: http" in first.getvalue()
    assert "staff staff.kfz-zulassung@landkreis-regensburg.example.org" in first.getvalue()
    with tenancy.tenant_context("burglengenfeld"):
        assert set(Office.objects.values_list("slug", flat=True)) == {
            "buergerbuero",
            "rente",
            "standesamt",
        }
        thursday = OpeningWindow.objects.filter(office__slug="rente", weekday=3)
        assert sorted((w.start.hour, w.end.hour) for w in thursday) == [(8, 12), (14, 18)]
        official = User.objects.get(email="staff.buergerbuero@burglengenfeld.example.org")
        assert official.check_password("demo-staff-pw")
    before = _counts()

    second = StringIO()
    call_command("seed_demo", stdout=second)
    assert _counts() == before
    assert "staff " not in second.getvalue() and "vendor " not in second.getvalue()
    assert "Landkreis Regensburg: http" in second.getvalue()
