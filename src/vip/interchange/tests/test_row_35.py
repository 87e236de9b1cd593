"""Security row 35: an import never clears or overwrites a value the importing account may not
read; re-importing one's own export changes nothing.

A rich world is built through the services and a full bundle (every table of the bundle
populated, a value in every field, among them the fields most readers may not read: visit
notes, case notes, health providers and details, consents, police-only fields, outcome notes).
Then every role that exports makes its export and re-imports it unchanged: every stored value
of every table (all models, all columns, read raw from the database, encrypted values as
stored) is the same before and after, and the import reports nothing created or updated.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests.security.test_access_policy import build_world
from vip.audit.models import AuditEvent
from vip.core.access import ACTIONS, hidden_fields
from vip.interchange import services
from vip.interchange.export import bundle_export
from vip.interchange.mapping import EXPORT
from vip.interchange.schema import FILES
from vip.interchange.services import bundle_import
from vip.notifications.models import NotificationAttempt
from vip.outcomes.models import Outcome
from vip.service_referrals.models import ServiceReferral

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Every table of the bundle, a value in every column (the operator loads it: it is everyone's).
RICH = {
    "people.csv": [
        "person_key,first_name,last_name,middle_name,date_of_birth,sex,race,ethnicity,address,city,state,postal_code,area,phone",
        "P1,Ana,García,Luz,2000-02-29,female,white,hispanic,1234 Central Ave SE,Albuquerque,NM,87106,southeast,505-555-0101",
        "P2,Luis,Baca,José,1930-05-01,male,black,not_hispanic,9 Zuni Rd,Albuquerque,NM,87108,valley,505-555-0102",
    ],
    "referrals.csv": [
        "referral_key,person_key,received_on,source,referred_by,area,reason",
        "R1,P1,2022-10-03,hospital,UNM Hospital,southeast,Gunshot wound treated and released",
        "R2,P2,2022-11-01,shooting_review,APD,valley,Named at the review",
    ],
    "incidents.csv": [
        "incident_key,occurred_at,type,area,address",
        "22-104455,2022-10-02T23:40:00-06:00,shooting,southeast,400 block of Louisiana Blvd SE",
        "22-110000,2022-11-20,shots_fired,valley,100 block of Bridge Blvd SW",
    ],
    "involvements.csv": [
        "incident_key,person_key,role",
        "22-104455,P1,victim",
        "22-104455,P2,suspect",
        "22-110000,P2,witness",
    ],
    "notifications.csv": [
        "attempt_key,person_key,referral_key,attempted_at,outcome,team,area,legal_risk_explained,offer_of_help,letter_given,notes",
        "N1,P1,R1,2022-11-03T14:05:00-06:00,not_found,peer_support;police,southeast,no,no,no,Nobody home; left a card",
        "N2,P1,R1,2022-11-30T23:30:00-07:00,delivered,peer_support;police;community_leader;other,southeast,yes,yes,yes,Said thank you",
        "N3,P2,R2,2022-11-07,delivered,peer_support,valley,no,yes,yes,Mother present",
    ],
    "service_referrals.csv": [
        "service_referral_key,person_key,category,provider,referred_on,status,connected_on,closed_on",
        "S1,P1,housing,Casa Esperanza,2022-11-04,connected,2022-11-10,",
        "S2,P1,substance_use,First Step Clinic,2022-11-04,completed,2022-11-06,2022-11-20",
        "S3,P2,behavioral_health,Counselling Centre,2022-11-08,declined,,2022-11-09",
        "S4,P2,employment,Job Corps,2022-11-08,lost_contact,2022-11-09,2022-12-01",
    ],
    "outcomes.csv": [
        "outcome_key,person_key,occurred_on,type,source_ref,notes",
        "O1,P2,2022-12-15,arrest_firearm,22-120001,On a warrant; handgun recovered",
        "O2,P1,2023-01-02,shot,22-000007,Graze wound",
    ],
}
# The roles that export (those that import are among them; the others' imports are refused).
EXPORTERS = tuple(role for role in ACTIONS["interchange.export"].roles)
IMPORTERS = tuple(role for role in ACTIONS["interchange.import"].roles)


def _write(folder: Path, files: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return folder


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, every column, as the database holds it (encrypted values as
    stored: a value rewritten under a fresh nonce shows too), but the audit trail's."""
    tables = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model is AuditEvent or model._meta.proxy or not model._meta.managed:
                continue
            table = model._meta.db_table
            if table in tables:
                continue
            quote = connection.ops.quote_name
            pk = model._meta.pk.column
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            tables[table] = [tuple(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return tables


def _differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            gone = [row for row in old if row not in new][:2]
            came = [row for row in new if row not in old][:2]
            found.append(f"{table}: {len(old)} -> {len(new)} rows; before {gone}; after {came}")
    return found


@pytest.fixture
def rich(program, make_user, tmp_path: Path) -> dict[str, Any]:
    """The canary world of row 34 (every kind of record a person has, a canary in every text
    field) and the rich bundle on top, so that every table the bundle fills has every field."""
    world = build_world(make_user)
    result = bundle_import(actor=None, path=_write(tmp_path / "rich", RICH))
    assert result.written, [str(p) for p in result.problems]
    # Every column of every bundle table holds a value somewhere (so a wiped one would show).
    for spec in FILES:
        if spec.name == "involvements.csv":
            continue
        carried = {c.lookup for c in EXPORT[spec.name] if "__" not in c.lookup}
        for name in carried | set(getattr(spec.model, "SENSITIVE_FIELDS", {})):
            column = spec.model._meta.get_field(name)
            if not (column.null or column.blank):
                continue  # required: always holds a value
            empty: Any = None if column.null else ""
            assert spec.model._base_manager.exclude(**{name: empty}).exists(), (spec.name, name)
    return {"users": world.users}


@pytest.mark.parametrize("role", EXPORTERS)
def test_row_35_reimporting_ones_own_export_changes_no_stored_value(rich, role: str, tmp_path: Path) -> None:
    user = rich["users"][role]
    out = tmp_path / f"export-{role}"
    bundle_export(actor=user, out_dir=out)
    before = stored()
    if role not in IMPORTERS:
        with pytest.raises(PermissionDenied):
            bundle_import(actor=user, path=out)
        assert _differences(before, stored()) == []
        return
    result = bundle_import(actor=user, path=out)
    assert result.written, [str(p) for p in result.problems]
    assert {name: (c.created, c.updated) for name, c in result.counts.items() if c.created or c.updated} == {}
    assert _differences(before, stored()) == []


@pytest.mark.parametrize("role", EXPORTERS)
def test_row_35_holds_for_every_role_that_exports_were_it_allowed_to_import(
    rich, role: str, tmp_path: Path, monkeypatch
) -> None:
    """The importer's keeping does not depend on today's policy letting only managers import:
    with the import allowed to every role that exports, each one's export re-imported changes
    nothing (the analyst's de-identified export is not a bundle: refused, nothing written)."""
    monkeypatch.setattr(services, "_check_permission", lambda actor, action="interchange.import": None)
    user = rich["users"][role]
    out = tmp_path / f"export-{role}"
    bundle_export(actor=user, out_dir=out)
    before = stored()
    result = bundle_import(actor=user, path=out)
    if role == "analyst":
        assert not result.written and result.problems, result
    else:
        assert result.written, [str(p) for p in result.problems]
        assert {n: (c.created, c.updated) for n, c in result.counts.items() if c.created or c.updated} == {}
    assert _differences(before, stored()) == []


@pytest.mark.parametrize("role", IMPORTERS)
def test_row_35_a_blank_cell_for_an_unreadable_field_keeps_the_stored_value(rich, role: str, tmp_path: Path) -> None:
    """Blank every cell of a field the importer may not read, change a field they do read: the
    field they read is updated, the others keep what is stored (values, not only rows)."""
    user = rich["users"][role]
    out = tmp_path / "export"
    bundle_export(actor=user, out_dir=out)
    kept = {
        "notes": dict(NotificationAttempt.objects.values_list("key", "notes")),
        "provider": dict(ServiceReferral.objects.values_list("key", "provider")),
        "details": dict(ServiceReferral.objects.values_list("key", "details")),
        "outcome notes": dict(Outcome.objects.values_list("key", "notes")),
    }
    assert all(any(values.values()) for values in kept.values()), kept
    hidden = {
        "notifications.csv": hidden_fields(user, NotificationAttempt),
        "service_referrals.csv": hidden_fields(user, ServiceReferral),
        "outcomes.csv": hidden_fields(user, Outcome),
    }
    assert hidden["notifications.csv"] >= {"notes"} and hidden["service_referrals.csv"] >= {"provider"}
    for name, fields in hidden.items():
        with open(out / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for field in fields & set(row):
                row[field] = ""
            if name == "notifications.csv" and row["attempt_key"] == "N1":
                row["outcome"] = "refused"
        with open(out / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    result = bundle_import(actor=user, path=out)
    assert result.written, [str(p) for p in result.problems]
    assert result.counts["notifications.csv"].updated == 1
    assert NotificationAttempt.objects.get(key="N1").outcome == "refused"
    assert dict(NotificationAttempt.objects.values_list("key", "notes")) == kept["notes"]
    assert dict(ServiceReferral.objects.values_list("key", "provider")) == kept["provider"]
    assert dict(ServiceReferral.objects.values_list("key", "details")) == kept["details"]
    assert dict(Outcome.objects.values_list("key", "notes")) == kept["outcome notes"]


def test_row_35_a_record_the_importer_may_not_read_is_refused_not_overwritten(
    rich, tmp_path: Path, monkeypatch
) -> None:
    """A key naming a record outside what the importing account sees (a peer's bundle naming a
    person on another caseload) is refused with file:line, and nothing is written."""
    monkeypatch.setattr(services, "_check_permission", lambda actor, action="interchange.import": None)
    peer = rich["users"]["peer"]
    folder = _write(
        tmp_path / "other",
        {"people.csv": [RICH["people.csv"][0], RICH["people.csv"][1].replace(",Ana,", ",Anita,")]},
    )
    before = stored()
    result = bundle_import(actor=peer, path=folder)
    assert not result.written
    assert [str(p) for p in result.problems] == [
        "people.csv:2: person_key: 'P1' names a record your account may not read: refused"
    ]
    assert _differences(before, stored()) == []


def test_row_35_dates_and_times_survive_the_round_trip(rich, tmp_path: Path) -> None:
    """An attempt or incident with a date only stays a date only, one with a time keeps it."""
    manager = rich["users"]["manager"]
    out = tmp_path / "export"
    bundle_export(actor=manager, out_dir=out)
    text = (out / "incidents.csv").read_text(encoding="utf-8")
    assert "22-110000,2022-11-20,shots_fired" in text and "22-104455,2022-10-02T23:40:00-06:00" in text
    assert NotificationAttempt.objects.get(key="N3").attempted_at is None
    assert NotificationAttempt.objects.get(key="N2").attempted_on == dt.date(2022, 11, 30)


def test_row_35_the_comparison_sees_a_wiped_value(rich, tmp_path: Path) -> None:
    """The check can fail: the operator (who reads everything) importing a manager's export does
    replace the stored notes and providers with the blanks sent, and the comparison shows it."""
    out = tmp_path / "export"
    bundle_export(actor=rich["users"]["manager"], out_dir=out)
    before = stored()
    bundle_import(actor=None, path=out)
    changed = {line.split(":")[0] for line in _differences(before, stored())}
    assert {"notifications_notificationattempt", "service_referrals_servicereferral"} <= changed
