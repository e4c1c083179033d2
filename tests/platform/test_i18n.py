"""Translations: German by default, English on request (Accept-Language or the language
switcher); the catalogs in locale/ are complete, keep their placeholders, and the committed
.mo files match the .po files (fresh machines have no gettext to compile them)."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import PASSWORD, api_token
from tests.offices.factories import make_office

LOCALE = Path(settings.LOCALE_PATHS[0])
ROOT = Path(settings.BASE_DIR)
LANGS = [code for code, _ in settings.LANGUAGES]

GERMAN_STATUS = ("Geschlossen", "Geöffnet – jetzt frei", "Geöffnet – alle im Gespräch")
ENGLISH_STATUS = ("Closed", "Open – someone is free now", "Open – everyone is in a call")

# A msgid with one of these is German source text, which the English catalog must translate.
GERMAN_HINT = re.compile(
    r"[äöüÄÖÜß„“]|\b(?:der|die|das|und|oder|Sie|Ihr|Ihre|Ihren|nicht|bitte|ist|wird|wurde|"
    r"ein|eine|einen|kein|keine|für|mit|zu|vom|bis|nur|noch|gerade|jetzt|wieder)\b"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _po(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def _entries(lang: str) -> list[polib.POEntry]:
    return [e for e in _po(lang) if not e.obsolete]


def _text(response) -> str:
    return html.unescape(response.content.decode())


# --- pages --------------------------------------------------------------------------------


@pytest.fixture
def office(tenant_a):
    with tenant_a.schema():
        return make_office("buergeramt", name="Bürgeramt")


def test_overview_is_german_by_default(tenant_a, office):
    response = tenant_a.client().get("/")
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="de">' in page
    assert "Virtuelles Bürgerbüro" in page and "Zum Inhalt springen" in page
    assert any(s in page for s in GERMAN_STATUS)
    # The live refresh gets its badge texts from the page, in the page's language.
    assert 'data-text-closed="Geschlossen"' in page


def test_overview_in_english_by_accept_language(tenant_a, office):
    response = tenant_a.client(HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="en">' in page
    assert "Online Citizens' Office" in page and "Skip to content" in page
    assert any(s in page for s in ENGLISH_STATUS)
    assert not any(s in page for s in GERMAN_STATUS)
    assert 'data-text-closed="Closed"' in page and 'data-text-free="Open' in page


def test_language_switcher_switches_to_english_and_back(tenant_a, office):
    client = tenant_a.client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = _text(client.get("/"))
    assert '<html lang="en">' in page and "Online Citizens' Office" in page
    assert any(s in page for s in ENGLISH_STATUS)

    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    page = _text(client.get("/"))
    assert '<html lang="de">' in page and any(s in page for s in GERMAN_STATUS)


def test_office_page_translates_weekdays(tenant_a, office):
    german = _text(tenant_a.client().get("/offices/buergeramt/"))
    english = _text(tenant_a.client(HTTP_ACCEPT_LANGUAGE="en").get("/offices/buergeramt/"))
    assert "Montag" in german and "Öffnungszeiten" in german
    assert "Monday" in english and "Opening hours" in english and "Montag" not in english


def test_admin_model_labels_follow_the_language(tenant_a):
    client = tenant_a.client()
    with tenant_a.schema():  # the account and its session live in the municipality's schema
        assert client.login(username=tenant_a.admin_email, password=PASSWORD)
    german = _text(client.get("/admin/offices/office/add/"))
    assert "Plätze im Warteraum" in german and "Mindestvorlauf (Minuten)" in german
    index = _text(client.get("/admin/"))
    assert "Ämter" in index and "Leistungen" in index

    english = client.get("/admin/offices/office/add/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting room capacity" in _text(english)


def test_gettext_uses_the_catalogs():
    with translation.override("de"):
        assert translation.gettext("office") == "Amt"
        assert translation.gettext("Geschlossen") == "Geschlossen"
    with translation.override("en"):
        assert translation.gettext("Geschlossen") == "Closed"
        assert translation.gettext("office") == "office"
        assert translation.ngettext("%(n)s Person wartet", "%(n)s Personen warten", 2) == (
            "%(n)s people waiting"
        )


# --- catalogs -------------------------------------------------------------------------------


def _translated(entry: polib.POEntry) -> bool:
    return entry.translated() and "fuzzy" not in entry.flags


def test_no_fuzzy_entries():
    for lang in LANGS:
        fuzzy = [e.msgid for e in _entries(lang) if "fuzzy" in e.flags]
        assert not fuzzy, f"{lang}: fuzzy entries {fuzzy}"
        assert not _po(lang).metadata_is_fuzzy, f"{lang}: fuzzy header"


def test_catalogs_hold_the_same_msgids():
    keys = {lang: {(e.msgctxt, e.msgid) for e in _entries(lang)} for lang in LANGS}
    assert keys["de"] == keys["en"], "run `make messages` (makemessages for both languages)"


def test_every_msgid_is_translated_into_the_other_language():
    """Templates are written in German, Python code mostly in English: each msgid needs a
    msgstr in the catalog of the other language (its own catalog may stay empty)."""
    de = {(e.msgctxt, e.msgid): e for e in _entries("de")}
    en = {(e.msgctxt, e.msgid): e for e in _entries("en")}
    problems = []
    for key, entry in en.items():
        in_template = any(path.startswith("templates/") for path, _ in entry.occurrences)
        looks_german = bool(GERMAN_HINT.search(entry.msgid))
        if (in_template or looks_german) and not _translated(entry):
            problems.append(f"en lacks: {entry.msgid!r}")
        elif not _translated(entry) and not _translated(de[key]):
            problems.append(f"neither de nor en translates: {entry.msgid!r}")
    assert not problems, "\n".join(problems)


def test_translations_keep_their_placeholders():
    problems = []
    for lang in LANGS:
        for e in _entries(lang):
            if not e.translated():
                continue
            if e.msgid_plural:
                wanted = sorted(PLACEHOLDER.findall(e.msgid_plural))
                strings = list(e.msgstr_plural.values())
            else:
                wanted = sorted(PLACEHOLDER.findall(e.msgid))
                strings = [e.msgstr]
            for s in strings:
                if sorted(PLACEHOLDER.findall(s)) != wanted:
                    problems.append(f"{lang}: {e.msgid!r} -> {s!r}")
    assert not problems, "\n".join(problems)


def _as_dict(entries) -> dict:
    out = {}
    for e in entries:
        if not e.msgid:  # the header
            continue
        if e.msgid_plural:
            out[(e.msgctxt, e.msgid)] = tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
        else:
            out[(e.msgctxt, e.msgid)] = e.msgstr
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_mo_file_matches_po_file(lang):
    """The .mo is committed: it must hold exactly the .po's translated entries."""
    folder = LOCALE / lang / "LC_MESSAGES"
    assert (folder / "django.mo").exists(), f"compile with: make messages ({lang})"
    from_po = _as_dict(e for e in _entries(lang) if _translated(e))
    from_mo = _as_dict(polib.mofile(str(folder / "django.mo")))
    stale = {k for k in from_po.keys() | from_mo.keys() if from_po.get(k) != from_mo.get(k)}
    assert not stale, f"{lang}: django.mo is out of date, run `make messages`: {sorted(stale)[:5]}"


# A cheap staleness check that needs no gettext: every literal {% translate "…" %} in the
# templates and every single-literal _("…") in the code is in the catalog.
TEMPLATE_LITERAL = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1\s*(?:as\s+\w+\s*)?%}""")
PYTHON_LITERAL = re.compile(r"""\b_\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)""")


def _source_literals() -> set[str]:
    found = set()
    for path in (ROOT / "templates").rglob("*.html"):
        found.update(m.group(2) for m in TEMPLATE_LITERAL.finditer(path.read_text("utf-8")))
    for app in ("offices", "platform_core", "scheduling", "tenants", "videoconf", "billing"):
        for path in (ROOT / app).rglob("*.py"):
            for m in PYTHON_LITERAL.finditer(path.read_text("utf-8")):
                found.add(ast.literal_eval(f'"{m.group(1)}"'))
    return found


def test_catalogs_are_not_stale():
    msgids = {e.msgid for e in _entries("en")}
    missing = sorted(_source_literals() - msgids)
    assert not missing, f"not in locale/*.po, run `make messages`: {missing}"


# --- the German catalog is complete, German says "Sie" -------------------------------------


def test_the_german_catalog_translates_every_msgid():
    """German is the default language: every msgid has a German msgstr (German source text
    is its own translation), none is fuzzy, and neither catalog keeps obsolete entries."""
    untranslated = [e.msgid for e in _entries("de") if not _translated(e)]
    assert not untranslated, f"de lacks (run `make messages`, then translate): {untranslated}"
    for lang in LANGS:
        obsolete = [e.msgid for e in _po(lang).obsolete_entries()]
        assert not obsolete, f"{lang}: obsolete entries {obsolete}"


# Informal address: pronouns and verb forms of "du"/"ihr" (the capitalised "Ihr" is "Sie").
DU_FORM = re.compile(
    r"\b(?:[Dd]u|[Dd]ich|[Dd]ir|[Dd]ein(?:e|en|em|er|es)?|euch|euer|eure[nmrs]?|bist|hast|"
    r"kannst|musst|möchtest|willst|wirst|darfst|solltest|brauchst|findest|erhältst|bekommst)\b"
)


def _german_texts() -> list[tuple[str, str]]:
    texts = [(f"de: {e.msgid[:40]!r}", e.msgstr) for e in _entries("de")]
    texts += [
        (f"de: {e.msgid[:40]!r}", s) for e in _entries("de") for s in e.msgstr_plural.values()
    ]
    for path in (ROOT / "templates").rglob("*_de.txt"):
        texts.append((str(path.relative_to(ROOT)), path.read_text("utf-8")))
    return texts


def test_german_says_sie_throughout():
    offenders = [
        (where, m.group()) for where, text in _german_texts() if (m := DU_FORM.search(text))
    ]
    assert not offenders, offenders


def test_the_du_check_would_catch_an_informal_message():
    assert DU_FORM.search("Bitte melde dich an, wenn du bereit bist.")
    assert not DU_FORM.search("Bitte melden Sie sich an. Ihr Termin ist bestätigt.")


# --- every user-facing message in the code is marked for translation -----------------------

# Calls that carry a message for people, and the position of that message.
MESSAGE_ARG = {
    "ApiError": 0,
    "ValidationError": 0,
    "ParseError": 0,
    "AuthenticationFailed": 0,
    "NotFound": 0,
    "PermissionDenied": 0,
    "WebhookRejected": 0,
    "VideoProviderError": 0,
    "WebexAuthFailed": 0,
    "_json_error": 0,
    "_refuse": 0,
    "_field_error": 1,
    "field_error": 1,
    "add_error": 1,
}
MESSAGES_API = {"debug", "info", "success", "warning", "error"}
APPS = ("billing", "offices", "platform_core", "scheduling", "tenants", "videoconf")
# The Webex fake stands in for Cisco's servers and answers in English like them.
NOT_USER_FACING: set[str] = set()


def _plain_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):  # "..." % x, "a" + b
        return _plain_text(node.left) or _plain_text(node.right)
    return False


def _untranslated_messages(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        args = list(node.args)
        keywords = {k.arg: k.value for k in node.keywords}
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "messages"
            and name in MESSAGES_API
        ):
            message = args[1] if len(args) > 1 else keywords.get("message")
        elif name in MESSAGE_ARG:
            index = MESSAGE_ARG[name]
            message = (
                args[index]
                if len(args) > index
                else keywords.get("detail", keywords.get("message"))
            )
            if isinstance(message, ast.Dict):  # ValidationError({field: ValidationError(...)})
                message = None
        else:
            continue
        if message is not None and _plain_text(message):
            found.append(f"{where}:{node.lineno}: {ast.unparse(message)[:80]}")
    return found


def test_user_facing_messages_are_marked_for_translation():
    """API `detail`s, form and validation errors, flash messages: wrapped in gettext, so a
    German request never gets English (run `make messages` and translate after adding)."""
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            if "migrations" in path.parts or where in NOT_USER_FACING:
                continue
            offenders += _untranslated_messages(path.read_text("utf-8"), where)
    assert not offenders, "\n".join(offenders)


def test_the_marker_check_would_catch_a_plain_message():
    source = 'raise ApiError("The office is closed now.", "office_closed")\n'
    assert _untranslated_messages(source, "x.py")
    assert _untranslated_messages('raise ApiError(f"{n} is wrong", "c")\n', "x.py")
    assert not _untranslated_messages('raise ApiError(_("Closed."), "office_closed")\n', "x.py")


# --- API errors come in the request's language ---------------------------------------------


def _wrong_password(client):
    return client.post(
        "/api/auth/token/",
        {"email": "nobody@example.org", "password": "wrong-password"},
        content_type="application/json",
    )


@pytest.mark.parametrize("accept", [None, "de", "de-DE,de;q=0.9"])
def test_api_errors_are_german_by_default_and_on_de(tenant_a, accept):
    client = tenant_a.client(**({"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}))
    body = _wrong_password(client).json()
    assert body == {
        "detail": "E-Mail-Adresse oder Passwort ist falsch.",
        "code": "invalid_credentials",
    }


def test_api_errors_are_english_on_en(tenant_a):
    body = _wrong_password(tenant_a.client(HTTP_ACCEPT_LANGUAGE="en")).json()
    assert body["detail"] == "E-mail or password is wrong."


def test_the_closed_office_refusal_follows_the_language(tenant_a):
    with tenant_a.schema():
        make_office("amt", windows=[])  # never open
    german = tenant_a.client().post("/api/offices/amt/queue/", {}, content_type="application/json")
    assert german.status_code == 409
    assert (
        german.json()["detail"] == "Das Amt ist gerade geschlossen. Bitte buchen Sie einen Termin."
    )
    english = tenant_a.client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/offices/amt/queue/", {}, content_type="application/json"
    )
    assert english.json()["detail"] == "The office is closed now. Please book an appointment."


def test_validation_errors_follow_the_language(public_client, vendor_token):
    def onboard(**extra):
        return public_client.post(
            "/api/platform/municipalities/",
            {
                "slug": "admin",
                "name": "Stadt Admin",
                "state": "BY",
                "kind": "town",
                "domains": [],
                "admin_email": "admin@admin.example.org",
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {vendor_token}",
            **extra,
        )

    german = onboard().json()
    assert german["code"] == "slug_reserved"
    assert german["slug"] == ["„admin“ ist reserviert."]
    english = onboard(HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["slug"] == ["“admin” is reserved."]


def test_a_field_error_of_the_admin_api_is_german(tenant_a):
    with tenant_a.schema():
        make_office("amt")
    token = f"Token {api_token(tenant_a.client(), tenant_a.admin_email)}"
    response = tenant_a.client(HTTP_AUTHORIZATION=token).put(
        "/api/admin/offices/amt/opening-hours/",
        [{"weekday": 9, "start": "08:00", "end": "12:00"}],
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "weekday_out_of_range"
    assert response.json()["detail"].endswith(
        "Der Wochentag muss zwischen 0 (Montag) und 6 (Sonntag) liegen."
    )
