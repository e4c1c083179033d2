"""Pages on 29 February: "a year from today" does not exist then, and nothing may answer 500.
The clock is frozen by replacing Django's timezone.now (the edge our code reads time from)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from platform_core.dates import add_years
from tests.offices.factories import make_office

BERLIN = ZoneInfo("Europe/Berlin")
ROOT = Path(settings.BASE_DIR)
APPS = ("billing", "offices", "platform_core", "scheduling", "tenants", "videoconf")


@pytest.fixture
def leap_day(monkeypatch):
    frozen = datetime(2028, 2, 29, 10, 0, tzinfo=BERLIN)  # a Tuesday
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


@pytest.mark.parametrize("path", ["/", "/offices/amt/", "/api/offices/", "/api/offices/amt/"])
def test_office_pages_work_on_29_february(tenant_a, leap_day, path):
    with tenant_a.schema():
        make_office("amt", name="Bürgeramt")
    response = tenant_a.client().get(path)
    assert response.status_code == 200
    assert "Bürgeramt" in response.content.decode()


def test_the_office_page_lists_the_holidays_of_the_coming_year_on_29_february(tenant_a, leap_day):
    with tenant_a.schema():
        make_office("amt")
    page = tenant_a.client().get("/offices/amt/").content.decode()
    # Bavaria, 2028: Good Friday 14 April is the first public holiday after 29 February.
    assert "14. April 2028: Karfreitag" in page


def test_add_years_keeps_the_day_or_ends_february():
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2027, 3, 1), 1) == date(2028, 3, 1)
    assert add_years(date(2028, 12, 31), -1) == date(2027, 12, 31)


REPLACE_CALENDAR_FIELD = re.compile(r"\.replace\([^)]*\b(?:year|month|day)\s*=")


def test_no_code_moves_dates_with_replace():
    """date.replace(year=/month=/day=) fails for days the target month lacks (29 February,
    31st): use platform_core.dates or timedelta instead."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path != ROOT / "platform_core" / "dates.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if REPLACE_CALENDAR_FIELD.search(line)
    ]
    assert not offenders, offenders
