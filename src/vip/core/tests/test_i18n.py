"""The staff web application in English (the default) and Spanish: the language switch, the
translations themselves, and dates in the active language's format."""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from vip.core.config import program_config
from vip.core.dates import Month, local_date

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Words of the page chrome (header, navigation, headings) that a Spanish page must not show.
ENGLISH_CHROME = [
    "Sign out",
    "Skip to content",
    "Home",
    "People",
    "Referrals",
    "Shooting reviews",
    "Reports",
    "Security",
    "Public reports",
    "Search",
    "Welcome",
    "Monthly Informational Reports",
    "Import a bundle",
    "No review recorded yet",
    "Save",
    "Cancel",
]


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    """LocaleMiddleware activates a request's language on this thread; later tests expect English."""
    yield
    translation.deactivate()


def _spanish(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


# --- the catalogue --------------------------------------------------------------------------


def _entries() -> list[dict[str, object]]:
    return _entries_of(PO)


def _entries_of(po: Path) -> list[dict[str, object]]:
    """A .po file's entries: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    last = ""
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in current:
                entries.append(current)
            current, last = {}, ""
        elif line.startswith("#,"):
            current["flags"] = [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[last] = str(current[last]) + ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
            last = key
    return entries


def test_every_message_has_a_spanish_translation_and_none_is_fuzzy() -> None:
    entries = _entries()
    messages = [e for e in entries if e["msgid"] != ""]
    assert len(messages) > 300
    for entry in entries:
        assert "fuzzy" not in entry.get("flags", []), entry["msgid"]
    for entry in messages:
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert translations, entry["msgid"]
        assert all(str(t).strip() for t in translations), f"untranslated: {entry['msgid']!r}"
        if "msgid_plural" in entry:
            assert {"msgstr[0]", "msgstr[1]", "msgstr[2]"} <= set(entry), entry["msgid"]


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    """The .mo (compilemessages) holds exactly what the .po says: it was not left stale."""
    assert MO.exists(), "run: manage.py compilemessages --ignore=.venv --ignore=.tools"
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in _entries():
        if entry["msgid"] == "":
            continue
        context = entry.get("msgctxt")
        msgid = str(entry["msgid"])
        if "msgid_plural" in entry:
            found = catalogue.npgettext(str(context), msgid, str(entry["msgid_plural"]), 5) if context else None
            found = found or catalogue.ngettext(msgid, str(entry["msgid_plural"]), 5)
            assert found == entry["msgstr[2]"], msgid
        else:
            found = catalogue.pgettext(str(context), msgid) if context else catalogue.gettext(msgid)
            assert found == entry["msgstr"], f"stale .mo for {msgid!r}: run compilemessages"


# --- the switch and the pages ---------------------------------------------------------------


def test_sign_in_page_is_in_english_by_default(program, client) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en">' in page
    assert "Staff sign-in" in page
    assert "Acceso del personal" not in page
    # The switch: one labelled button per language, each named in its own language.
    assert f'action="{reverse("set_language")}"' in page
    assert 'lang="es" aria-pressed="false">Español</button>' in page
    assert 'lang="en" aria-pressed="true">English</button>' in page


def test_the_switch_works_before_signing_in(program, client) -> None:
    login = reverse("account_login")
    response = client.post(reverse("set_language"), {"language": "es", "next": login})
    assert response.status_code == 302
    assert response["Location"] == login
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(login).content.decode()
    assert '<html lang="es">' in page
    assert "Acceso del personal" in page
    assert "Iniciar sesión" in page
    assert "Contraseña" in page
    assert "Staff sign-in" not in page
    assert 'lang="es" aria-pressed="true">Español</button>' in page
    # And back.
    client.post(reverse("set_language"), {"language": "en", "next": login})
    assert "Staff sign-in" in client.get(login).content.decode()


def test_home_page_in_spanish_with_the_date_in_spanish(program, client, make_user) -> None:
    client.force_login(make_user("manager"))
    today = local_date(timezone.now(), program_config().zone)
    english = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in english
    assert "Welcome, manager" in english
    assert dateformat.format(today, "l, F j, Y") in english
    assert f"{dateformat.format(Month.of(today).first_day, 'F Y')} so far" in english

    # The switch, signed in: back to the same page, now in Spanish.
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("home")})
    assert response["Location"] == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="es">' in page
    assert "Bienvenido(a), manager" in page
    assert "Gerente del programa" in page  # the role
    with translation.override("es"):
        long_date = dateformat.format(today, r"l, j \d\e F \d\e Y")  # "domingo, 29 de noviembre de 2026"
        month = dateformat.format(today, r"F \d\e Y")
    assert long_date in page
    assert f"En lo que va de {month}" in page
    assert "notificaciones personalizadas entregadas" in page
    assert dateformat.format(today, "l, F j, Y") not in page


def test_the_switch_is_reachable_before_enrolling_a_second_factor(program, client, make_user) -> None:
    client.force_login(make_user("peer", second_factor=False))
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("mfa_activate_totp")})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def _staff_pages(manager_person_id: int) -> list[tuple[str, str]]:
    return [
        ("manager", reverse("home")),
        ("manager", reverse("people:search") + "?q=Garcia"),
        ("manager", reverse("desk:person", args=[manager_person_id])),
        ("manager", reverse("people:new")),
        ("manager", reverse("referrals:queue")),
        ("manager", reverse("referrals:queue") + "?status=closed"),
        ("manager", reverse("reports:index")),
        ("manager", reverse("data:index")),
        ("police", reverse("identification:reviews")),
        ("police", reverse("identification:review_new")),
        ("peer", reverse("home")),
        ("analyst", reverse("home")),
    ]


def test_staff_pages_in_spanish_show_no_english_chrome(program, client, make_user) -> None:
    from vip.people.services import person_create
    from vip.referrals.services import referral_create

    users = {role: make_user(role) for role in ("manager", "police", "peer", "analyst")}
    person = person_create(actor=users["manager"], first_name="Ana", last_name="García")
    referral_create(
        actor=users["manager"],
        person=person,
        received_on=local_date(timezone.now(), program_config().zone),
        source="hospital",
    )
    for role, url in _staff_pages(person.pk):
        client.force_login(users[role])
        page = _spanish(client).get(url).content.decode()
        assert '<html lang="es">' in page, url
        shown = [word for word in ENGLISH_CHROME if re.search(rf"\b{re.escape(word)}\b", page)]
        assert not shown, f"{url} as {role} shows English: {shown}"
    # Spot checks of translated content (choices, actions, table headings).
    client.force_login(users["manager"])
    queue = client.get(reverse("referrals:queue")).content.decode()
    assert "Hospital" in queue and "Recibida" in queue and "Asignar" in queue
    detail = client.get(reverse("desk:person", args=[person.pk])).content.decode()
    assert "Registrar un intento de notificación" in detail
    assert "Remisión" in detail  # the timeline
    form = client.get(reverse("people:new")).content.decode()
    assert "Fecha de nacimiento" in form and "Agregar persona" in form


def test_forms_keep_iso_dates_in_spanish(program, client, make_user) -> None:
    """<input type="date"> takes ISO dates: a Spanish page must not fill it with d/m/Y."""
    from vip.people.services import person_create

    manager = make_user("manager")
    person = person_create(actor=manager, first_name="Ana", last_name="García")
    client.force_login(manager)
    page = _spanish(client).get(reverse("referrals:new", args=[person.pk])).content.decode()
    today = local_date(timezone.now(), program_config().zone)
    assert f'value="{today.isoformat()}"' in page
    # What the browser sends back (ISO) is accepted on a Spanish page too.
    response = client.post(
        reverse("referrals:new", args=[person.pk]), {"received_on": today.isoformat(), "source": "hospital"}
    )
    assert response.status_code == 302
    assert person.referrals.count() == 1


def test_service_messages_follow_the_language(program, client, make_user) -> None:
    client.force_login(make_user("manager"))
    response = _spanish(client).post(reverse("reports:index"), {"month": "2099-01", "audience": "official"})
    assert "todavía no ha terminado" in response.content.decode()
    response = client.post(reverse("reports:index"), {"month": "2022-13", "audience": "official"})
    assert "no es un mes con el formato AAAA-MM" in response.content.decode()


def test_the_report_document_stays_in_english_from_a_spanish_page(program, client, make_user) -> None:
    from vip.reports.models import ReportRun

    client.force_login(make_user("manager"))
    response = _spanish(client).post(reverse("reports:index"), {"month": "2022-11", "audience": "official"})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert client.get(response["Location"]).status_code == 200  # the job's page, done
    html = bytes(run.files.get(format="html").content).decode()
    generated = timezone.localtime(run.generated_at, program_config().zone)
    with translation.override("en"):
        assert dateformat.format(generated, "F j, Y") in html  # "November 29, 2026"
    with translation.override("es"):
        spanish_month = dateformat.format(generated, "F")  # "noviembre"
    assert spanish_month not in html
    assert "Remisiones" not in html and "Informes" not in html


def test_the_catalogue_holds_every_string_of_the_source(tmp_path: Path, monkeypatch) -> None:
    """makemessages, run on a copy of the source, finds no message the Spanish catalogue lacks:
    a string added to a page or a service without its translation fails here."""
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    # `make test` installs gettext (system-packages); without it this fails, it does not skip.
    assert shutil.which("xgettext"), "gettext is not installed (apt-get install gettext, or run `make test`)"
    shutil.copytree(Path(settings.BASE_DIR) / "src", tmp_path / "src", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(Path(settings.BASE_DIR) / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["es"], verbosity=0)
    missing = set()
    for entry in _entries_of(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"):
        translated = all(str(v).strip() for k, v in entry.items() if k.startswith("msgstr"))
        fuzzy = "fuzzy" in entry.get("flags", [])  # type: ignore[operator]
        if entry["msgid"] and (fuzzy or not translated):
            missing.add(str(entry["msgid"]))
    assert not missing, f"messages without a Spanish translation (run makemessages and translate): {sorted(missing)}"
