"""Security row 42: the analyst's de-identified export is de-identified by the HIPAA Safe Harbor
rule at least, and it is not a bundle (the importer refuses it).

The rich world of row 35 (a canary in every text field of every record, a full bundle on top)
gets planted source keys (police incident numbers, hospital ids, an outside system's person
ids) and a person over 89 who has died. The analyst's export, through every channel that gives it (the
service, ``vip export --as``, the data screen), is scanned file by file and cell by cell.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.apps import apps
from django.test import Client

from vip.cli import main
from vip.core import crypto
from vip.interchange.deidentified import MANIFEST, PREFIX, RULES, Rule, check_rules
from vip.interchange.export import bundle_export
from vip.interchange.schema import FILES
from vip.interchange.services import bundle_import
from vip.interchange.tests.worlds import differences, stored
from vip.people.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Full dates and times in the forms people write them: ISO dates and date-times, US dates,
# compact YYYYMMDD, times of day.
DATE_PATTERNS = [
    re.compile(r"\d{4}-\d{1,2}-\d{1,2}"),
    re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}"),
    re.compile(r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b"),
    re.compile(r"\d{1,2}:\d{2}"),
]


def _cells(folder: Path) -> list[tuple[str, int, str, str]]:
    """Every cell of every file: (file, line, column, text); the manifest as one cell a line."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name == MANIFEST:
            found += [(path.name, n, "", line) for n, line in enumerate(path.read_text().splitlines(), 1)]
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            found += [(path.name, 1, "", name) for name in header]
            for n, row in enumerate(reader, 2):
                found += [(path.name, n, column, cell) for column, cell in zip(header, row, strict=True)]
    return found


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _secrets() -> set[str]:
    """Every stored value of a field declared sensitive (names, keys of every source, free
    text, addresses, references...) on any model: none may appear in the export."""
    found: set[str] = set()
    for model in apps.get_models():
        declared = getattr(model, "SENSITIVE_FIELDS", {})
        for name in declared:
            field = model._meta.get_field(name)
            if not field.concrete or field.many_to_many or field.choices:
                continue  # a coded value (a need's domain: housing) is a category, not a secret
            for value in model._base_manager.values_list(name, flat=True):
                text = str(value or "")
                if len(text) >= 5:
                    found.add(text)
    return found


@pytest.fixture
def world(rich, tmp_path: Path) -> dict[str, Any]:
    """Planted source keys of other systems, and a person whose age at the origin is over 89."""
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "people.csv").write_text(
        "person_key,first_name,last_name,date_of_birth,area,died_on\r\n"
        "HOSP-MRN-771234,Eulalia,Ortiz,1925-06-30,valley,2023-03-18\r\n"
        "APD-MNI-55510,Tomas,Ruiz,2004-01-15,foothills,\r\n",
        encoding="utf-8",
    )
    (planted / "referrals.csv").write_text(
        "referral_key,person_key,received_on,source,referred_by\r\n"
        "UNMH-ENC-99812,HOSP-MRN-771234,2022-06-01,hospital,UNMH Trauma\r\n",
        encoding="utf-8",
    )
    (planted / "incidents.csv").write_text(
        "incident_key,occurred_at,type,area,address\r\n"
        "APD-22-0099871,2022-12-31T23:59:00-07:00,shooting,foothills,1 Canary Ct NE\r\n",
        encoding="utf-8",
    )
    (planted / "involvements.csv").write_text(
        "incident_key,person_key,role\r\nAPD-22-0099871,APD-MNI-55510,victim\r\n", encoding="utf-8"
    )
    (planted / "outcomes.csv").write_text(
        "outcome_key,person_key,occurred_on,type,source_ref,notes\r\n"
        "APD-ARR-31337,APD-MNI-55510,2023-01-04,arrest_other,APD-CASE-4242424,Booked at the jail\r\n",
        encoding="utf-8",
    )
    result = bundle_import(actor=None, path=planted)
    assert result.written, [str(p) for p in result.problems]
    return rich


def test_row_42_the_rules_cover_every_column_and_agree_with_the_policy() -> None:
    assert check_rules() == []
    for spec in FILES:
        for out in RULES[spec.name]:
            if "key" in out.source:
                assert out.rule == Rule.PSEUDONYM, (spec.name, out.source)  # every key: a pseudonym


def test_row_42_the_analysts_export_is_deidentified_by_safe_harbor(world, tmp_path: Path) -> None:
    analyst = world["users"]["analyst"]
    first, second = tmp_path / "first", tmp_path / "second"
    bundle_export(actor=analyst, out_dir=first)
    bundle_export(actor=analyst, out_dir=second)

    # Not a bundle: its own file names beside the manifest, none of a bundle's.
    names = sorted(p.name for p in first.iterdir())
    assert MANIFEST in names and all(n == MANIFEST or n.startswith(PREFIX) for n in names), names
    cells = _cells(first)
    assert len(cells) > 100

    # No full date, no time of day, anywhere.
    dated = [(f, n, c, t) for f, n, c, t in cells if any(p.search(t) for p in DATE_PATTERNS)]
    assert dated == []
    # No source key, no identifying value, no free text, no canary of any sensitive field.
    secrets = _secrets()
    assert {"HOSP-MRN-771234", "APD-22-0099871", "APD-CASE-4242424", "UNMH-ENC-99812", "Albuquerque"} <= secrets
    leaked = [(f, n, c, s) for f, n, c, t in cells for s in secrets if s.lower() in t.lower()]
    assert leaked == []
    assert not any("CNY" in t for *_, t in cells)  # row 34's canaries, in every text field

    # Ages: whole years, over 89 grouped.
    people = _rows(first, PREFIX + "people.csv")
    ages = [row["age_at_origin"] for row in people if row["age_at_origin"]]
    assert "90+" in ages and all(a == "90+" or 0 <= int(a) <= 89 for a in ages), ages
    # Dates are days from the person's own origin; only the origin's year is given.
    assert {row["origin_year"] for row in people} >= {"2022"}
    assert all(re.fullmatch(r"(19|20)\d\d|", row["origin_year"]) for row in people)
    referrals = _rows(first, PREFIX + "referrals.csv")
    assert "0" in {row["received_day"] for row in referrals}  # the first referral is the origin
    # A day of death: its year alone (the planted person's and the rich bundle's, 2023; the
    # canary world's, 2021).
    assert {row["died_year"] for row in people} == {"", "2021", "2023"}
    incidents = _rows(first, PREFIX + "incidents.csv")
    assert "2022" in {row["occurred_year"] for row in incidents}
    assert all(re.fullmatch(r"(19|20)\d\d", row["occurred_year"]) for row in incidents)
    # Geography: the area command at most.
    assert {row["area"] for row in people} <= {
        "",
        "foothills",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "valley",
    }
    assert {"address", "city", "postal_code"}.isdisjoint(people[0])
    # No health or substance-use referral at all (the policy leaves them out for analysts).
    categories = {row["category"] for row in _rows(first, PREFIX + "service_referrals.csv")}
    assert categories and categories.isdisjoint({"substance_use", "behavioral_health", "medical"})

    # Files of one export join; two exports are unlinkable (a fresh key each time).
    persons = {row["person_pseudonym"] for row in people}
    assert {row["person_pseudonym"] for row in referrals} <= persons
    pseudonyms = {t for f, n, c, t in _cells(first) if c.endswith("_pseudonym") and t}
    again = {t for f, n, c, t in _cells(second) if c.endswith("_pseudonym") and t}
    assert pseudonyms and again and pseudonyms.isdisjoint(again)
    assert len(persons) == Person.objects.count()


def test_row_42_pseudonym_keys_are_fresh_per_export_and_never_stored(world, tmp_path: Path, monkeypatch) -> None:
    made: list[bytes] = []
    real = crypto.secrets.token_bytes

    def spy(n: int) -> bytes:
        made.append(real(n))
        return made[-1]

    monkeypatch.setattr(crypto.secrets, "token_bytes", spy)  # the key of each export's pseudonyms
    before = stored()
    bundle_export(actor=world["users"]["analyst"], out_dir=tmp_path / "a")
    bundle_export(actor=world["users"]["analyst"], out_dir=tmp_path / "b")
    assert len(made) == 2 and made[0] != made[1]
    after = stored()
    # Nothing but the export's own audit events is written: the key is in no table.
    assert differences(before, after) == []
    text = repr(after).encode()
    assert all(key not in text and key.hex().encode() not in text for key in made)


def test_row_42_the_deidentified_export_cannot_be_imported(world, tmp_path: Path) -> None:
    out = tmp_path / "analyst"
    bundle_export(actor=world["users"]["analyst"], out_dir=out)
    packed = tmp_path / "analyst.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in out.iterdir():
            archive.write(path, arcname=path.name)
    # Even renamed back to a bundle's file names, the manifest alone refuses it.
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for path in out.iterdir():
        (renamed / path.name.removeprefix(PREFIX)).write_bytes(path.read_bytes())
    before = stored()
    for path in (out, packed, renamed):
        result = bundle_import(actor=None, path=path)
        assert not result.written
        assert "a de-identified export" in str(result.problems[0]), result.problems
    assert differences(before, stored()) == []


def test_row_42_every_channel_gives_the_analyst_the_deidentified_export(world, tmp_path: Path) -> None:
    analyst = world["users"]["analyst"]
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["export", str(out), "--as", analyst.username])
    assert result.exit_code == 0, result.output
    assert (out / MANIFEST).exists() and not (out / "people.csv").exists()
    client = Client()
    client.force_login(analyst)
    response = client.post("/data/export/")
    assert response.status_code == 200
    assert "vip-deidentified-" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        text = "\n".join(archive.read(n).decode() for n in names)
    assert MANIFEST in names and "people.csv" not in names
    assert not any(p.search(text) for p in DATE_PATTERNS)
    assert "CNY" not in text
