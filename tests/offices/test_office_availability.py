"""What the office list and pages tell a citizen must be true: nobody serving video now is not
"everyone is in a call", a full waiting room is not "free now", and an unknown wait is not
"0 minutes". And one waiting-time estimate: the office list, the office page, the ticket API
and the ticket page agree for the same situation."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from offices.models import StaffMember
from scheduling.queue.models import Ticket, hash_secret
from scheduling.queue.wait_estimate import estimate_wait_minutes
from tests.offices.factories import make_office, make_official, make_service
from tests.scheduling.queue.queue_support import ALL_DAY, make_setup

SLUG = "buergerbuero"
_seq = itertools.count(900)


@pytest.fixture
def setup(tenant_a, weekday_morning):
    return make_setup(tenant_a, slug=SLUG, capacity=3)


def listed(client, slug=SLUG) -> dict:
    return next(o for o in client.get("/api/offices/").json() if o["slug"] == slug)


def card(html: str, slug=SLUG) -> str:
    """One office's card on the overview page, its tags stripped."""
    item = html[html.index(f'data-office="{slug}"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item[: item.index("</li>")]))


def presence(setup, **fields) -> None:
    with setup.ctx.schema():
        StaffMember.objects.filter(pk=setup.official.pk).update(**fields)


def join(setup):
    response = setup.client().post(
        f"/api/offices/{SLUG}/queue/", {}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_nobody_signed_in_is_not_everyone_in_a_call(setup):
    presence(setup, presence="away")
    client = setup.client()
    office = listed(client)
    assert (office["status"], office["availability"]) == ("busy", "nobody_serving")
    assert office["estimated_wait_minutes"] is None
    text = card(client.get("/").content.decode())
    assert "Geöffnet – gerade niemand per Video erreichbar" in text
    assert "alle im Gespräch" not in text and "Min. Wartezeit" not in text
    assert "Wartezeit zurzeit nicht abschätzbar" in text
    detail = client.get(f"/offices/{SLUG}/").content.decode()
    assert "Gerade ist niemand per Video erreichbar" in detail
    assert "Die Wartezeit ist zurzeit nicht abschätzbar." in detail


@pytest.mark.parametrize(
    "nobody",
    [
        pytest.param({"presence": "available", "mode": "in_person"}, id="serving-in-person"),
        pytest.param({"last_seen_at": timezone.now() - timedelta(hours=1)}, id="console-quiet"),
    ],
)
def test_officials_who_do_not_serve_video_now_do_not_count(setup, nobody):
    presence(setup, **nobody)
    assert listed(setup.client())["availability"] == "nobody_serving"


def test_a_deactivated_account_never_counts(setup):
    with setup.ctx.schema():
        setup.official.user.is_active = False
        setup.official.user.save(update_fields=["is_active"])  # presence still "available"
    assert listed(setup.client())["availability"] == "nobody_serving"


def test_everyone_in_a_call_says_so_with_an_estimate(setup):
    presence(setup, presence="busy")
    client = setup.client()
    office = listed(client)
    assert (office["status"], office["availability"]) == ("busy", "all_busy")
    assert office["estimated_wait_minutes"] >= 1
    text = card(client.get("/").content.decode())
    assert "Geöffnet – alle im Gespräch" in text
    assert f"ca. {office['estimated_wait_minutes']} Min. Wartezeit" in text


def test_a_full_waiting_room_is_not_free_now(setup):
    for _ in range(3):
        join(setup)
    client = setup.client()
    office = listed(client)
    assert office["status"] == "open" and office["availability"] == "free"  # the contract
    assert office["waiting_room_full"] is True and office["estimated_wait_minutes"] is None
    text = card(client.get("/").content.decode())
    assert "Geöffnet – Warteraum voll, bitte Termin buchen" in text
    assert "jetzt frei" not in text and "Wartezeit" not in text
    detail = client.get(f"/offices/{SLUG}/").content.decode()
    assert "Der virtuelle Warteraum ist gerade voll" in detail
    assert f'action="/offices/{SLUG}/queue/"' not in detail


def test_no_wait_says_so_instead_of_zero_minutes(setup):
    client = setup.client()
    office = listed(client)
    assert (office["availability"], office["estimated_wait_minutes"]) == ("free", 0)
    text = card(client.get("/").content.decode())
    assert "Geöffnet – jetzt frei" in text and "keine Wartezeit" in text
    assert "0 Min" not in text
    detail = client.get(f"/offices/{SLUG}/").content.decode()
    assert "Sie wären sofort an der Reihe." in detail and "ca. 0 Minuten" not in detail


def test_an_office_without_video_is_open_without_a_waiting_line(tenant_a):
    with tenant_a.schema():
        make_office("kasse", windows=ALL_DAY, video_enabled=False, name="Stadtkasse")
    client = tenant_a.client()
    office = listed(client, "kasse")
    if office["status"] == "closed":
        pytest.skip("today is a public holiday: the office is closed")
    assert (office["status"], office["availability"]) == ("open", "no_video")
    assert office["waiting_room_full"] is False and office["estimated_wait_minutes"] is None
    assert "Geöffnet – keine Videogespräche" in card(client.get("/").content.decode(), "kasse")


def test_the_texts_are_english_in_english(setup):
    presence(setup, presence="away")
    html = setup.client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    text = card(html)
    assert "Open – nobody available by video right now" in text
    assert "Waiting time cannot be estimated right now" in text
    assert 'data-text-full="Open – waiting room full, please book an appointment"' in html


# --- one estimate -------------------------------------------------------------------------------


def _done(office, minutes: float, ended_ago: timedelta) -> None:
    finished = timezone.now() - ended_ago
    n = next(_seq)
    Ticket.objects.create(
        office=office,
        day=timezone.localdate(),
        sequence=n,
        number=f"X-{n}",
        token_hash=hash_secret(uuid.uuid4().hex),
        status="done",
        started_at=finished - timedelta(minutes=minutes),
        finished_at=finished,
    )


def test_list_office_page_ticket_api_and_ticket_page_agree_on_the_wait(setup):
    """The same situation on every page: two officials serve video (one free), three people
    wait, recent sessions took 30 then 5 minutes (the newest count most), and the office
    has an inactive 120-minute video service and an in-person-only service that must not
    count."""
    history = [30, 30, 30, 5, 5, 5]  # oldest first
    with setup.ctx.schema():
        office = setup.office
        office.waiting_room_capacity = 10
        office.save()
        setup.service.duration_minutes = 20
        setup.service.save()
        make_service(office, "alt", duration_minutes=120, is_active=False)
        make_service(office, "vorort", duration_minutes=60, offers_video=False)
        make_official(office, presence="busy", last_seen_at=timezone.now())
        for age, minutes in enumerate(reversed(history), start=1):
            _done(office, minutes, timedelta(minutes=10 * age))
    for _ in range(3):
        join(setup)
    # By hand: the active video service's 20 minutes as the default, the newest sessions
    # weighing most (read in the wrong order, or with another default, it would differ).
    expected = estimate_wait_minutes(history, 2, 3, default_minutes=20, officials_free=1)
    assert expected != estimate_wait_minutes(history[::-1], 2, 3, 20, 1)
    assert expected != estimate_wait_minutes(history, 2, 3, default_minutes=10, officials_free=1)
    client = setup.client()
    in_list = listed(client)["estimated_wait_minutes"]
    in_detail = client.get(f"/api/offices/{SLUG}/").json()["estimated_wait_minutes"]
    page = client.get(f"/offices/{SLUG}/").content.decode()
    ticket = join(setup)  # three people ahead of them now
    assert ticket["people_ahead"] == 3
    polled = client.get(f"/api/queue/{ticket['token']}/").json()["estimated_wait_minutes"]
    ticket_page = client.get(f"/queue/{ticket['token']}/").content.decode()
    assert in_list == in_detail == ticket["estimated_wait_minutes"] == polled == expected
    assert f"Geschätzte Wartezeit: ca. {expected} Minuten." in page
    assert f"ca. {expected} Minuten" in ticket_page
