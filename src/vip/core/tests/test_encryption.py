"""Row 20: case notes, legal assessments and health/substance-use details are encrypted at rest.

The records are written through the real services with a canary in every encrypted
column; the raw database (SQL without the application's fields, and on SQLite the
database file's bytes) must not hold it, the application must read it back, and key
rotation must re-encrypt everything under the newest key.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from vip.audit.models import AuditEvent
from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.cli import main
from vip.configuration.services import encrypted_columns
from vip.core.crypto import FieldKeyError, blind_index, generate_key, key_id, parse_key, read_key_file
from vip.core.fields import _rewrite_columns
from vip.core.models import ServiceCategory
from vip.interchange.services import bundle_import
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.outcomes.models import Outcome
from vip.outcomes.services import outcome_record
from vip.people.services import person_assign_peer, person_create
from vip.service_referrals.models import ServiceReferral
from vip.service_referrals.services import service_referral_create

CANARY = "CANARY-7f3e-row20"
TEST_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS0xLTAxMjM0NTY3ODk="  # config.settings.test

# Every free-text sensitive column the slice encrypts: (model, field).
EXPECTED = {
    (NeedsAssessment, "summary"),
    (NeedItem, "detail"),
    (Contact, "summary"),
    (CaseNote, "text"),
    (CustomNotification, "legal_assessment"),
    (NotificationAttempt, "notes"),
    (ServiceReferral, "provider"),
    (ServiceReferral, "details"),
    (Outcome, "notes"),
}


def _seed(make_user: Any) -> dict[str, Any]:
    """One record of every encrypted kind, each with the canary, through the services."""
    peer, police, manager = make_user("peer"), make_user("police"), make_user("manager")
    person = person_create(actor=manager, first_name="Plain", last_name="Visible-Name-Control")
    person = person_assign_peer(actor=manager, person=person, peer=peer)
    needs_assessment_record(
        actor=peer,
        person=person,
        assessed_on=dt.date(2024, 1, 2),
        needs={"housing": "urgent"},
        details={"housing": f"{CANARY} need"},
        summary=f"{CANARY} summary",
    )
    contact_record(actor=peer, person=person, contacted_at=timezone.now(), kind="in_person", summary=f"{CANARY} talk")
    case_note_write(actor=peer, person=person, text=f"{CANARY} note")
    notification = notification_plan(actor=manager, person=person, planned_on=dt.date(2024, 1, 3))
    legal_assessment_write(
        actor=police, notification=notification, text=f"{CANARY} legal", expected_version=notification.version
    )
    attempt_record(
        actor=peer,
        person=person,
        attempted_at=timezone.now(),
        outcome="delivered",
        team={"peer_support"},
        notes=f"{CANARY} visit",
    )
    substance = ServiceCategory.objects.get(code="substance_use")
    service_referral_create(
        actor=peer,
        person=person,
        category=substance,
        referred_on=dt.date(2024, 1, 4),
        provider=f"{CANARY} clinic",
        details=f"{CANARY} details",
    )
    outcome_record(actor=police, person=person, occurred_on=dt.date(2024, 1, 5), type="arrest_other", notes=CANARY)
    return {"peer": peer, "police": police, "manager": manager, "person": person}


def _raw_values() -> dict[str, list[str]]:
    """Every encrypted column as the database holds it (plain SQL, no model fields)."""
    found: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, field in encrypted_columns():
            cursor.execute(f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)}")  # noqa: S608
            found[f"{model._meta.label_lower}.{field.name}"] = [row[0] for row in cursor.fetchall() if row[0]]
    return found


def _application_values() -> list[str]:
    return [str(getattr(obj, field.name)) for model, field in encrypted_columns() for obj in model.objects.all()]


def test_row_20_every_free_text_sensitive_column_is_encrypted() -> None:
    declared = {(model, field.name) for model, field in encrypted_columns()}
    assert declared >= EXPECTED
    for model, name in EXPECTED:
        assert name in model.SENSITIVE_FIELDS


@pytest.mark.django_db
def test_row_20_raw_database_holds_no_canary_and_the_application_reads_it_back(program, make_user) -> None:
    _seed(make_user)
    raw = _raw_values()
    assert all(raw[f"{m._meta.label_lower}.{n}"] for m, n in EXPECTED), raw  # every column was written
    for label, values in raw.items():
        for value in values:
            assert CANARY not in value, label
            assert value.startswith(f"v1:{key_id(parse_key(TEST_KEY))}:"), label
    assert sum(CANARY in value for value in _application_values()) == len(EXPECTED)


@pytest.mark.django_db(transaction=True)
def test_row_20_the_sqlite_database_file_holds_no_canary(program, make_user, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the file-level check is for SQLite; the SQL-level check runs on every database")
    _seed(make_user)
    copy = tmp_path / "copy.sqlite3"
    target = sqlite3.connect(copy)
    connection.ensure_connection()
    connection.connection.backup(target)  # every page, free ones included
    target.close()
    data = copy.read_bytes()
    assert b"Visible-Name-Control" in data  # the scan does see plain text
    assert CANARY.encode() not in data
    assert CANARY.encode("utf-16-le") not in data


@pytest.mark.django_db
def test_row_20_imported_content_is_encrypted_and_re_import_changes_nothing(program, write_bundle) -> None:
    people = "person_key,first_name,last_name\nP1,Ana,García\n"
    attempts = [
        ["attempt_key", "person_key", "attempted_at", "outcome", "notes"],
        ["A1", "P1", "2024-01-02", "delivered", f"{CANARY} imported"],
    ]
    outcomes = [
        ["outcome_key", "person_key", "occurred_on", "type", "notes"],
        ["O1", "P1", "2024-02-01", "shot", CANARY],
    ]
    bundle = write_bundle({"people.csv": people, "notifications.csv": attempts, "outcomes.csv": outcomes})
    assert bundle_import(actor=None, path=bundle).written
    raw = _raw_values()
    assert raw["notifications.notificationattempt.notes"] and raw["outcomes.outcome.notes"]
    assert not any(CANARY in v for values in raw.values() for v in values)
    assert NotificationAttempt.objects.get(key="A1").notes == f"{CANARY} imported"

    again = bundle_import(actor=None, path=bundle)
    assert {name: (c.created, c.updated) for name, c in again.counts.items()} == {
        "people.csv": (0, 0),
        "notifications.csv": (0, 0),
        "outcomes.csv": (0, 0),
    }
    assert _raw_values() == raw  # unchanged rows are not rewritten

    attempts[1][4] = f"{CANARY} changed"
    changed = write_bundle({"people.csv": people, "notifications.csv": attempts})
    assert bundle_import(actor=None, path=changed).counts["notifications.csv"].updated == 1
    assert CANARY not in str(_raw_values())
    assert NotificationAttempt.objects.get(key="A1").notes == f"{CANARY} changed"


@pytest.mark.django_db
def test_row_20_key_rotation_re_encrypts_under_the_new_key(program, make_user) -> None:
    _seed(make_user)
    before = _raw_values()
    new = generate_key()
    new_id = key_id(parse_key(new))
    with override_settings(VIP_FIELD_KEYS=[new, TEST_KEY]):
        # Before rotation both keys read; writes already use the new one.
        assert sum(CANARY in value for value in _application_values()) == len(EXPECTED)
        result = CliRunner().invoke(main, ["keys", "rotate", "--batch-size", "2"])
        assert result.exit_code == 0, result.output
        assert f"under key {new_id}" in result.output
    after = _raw_values()
    assert after.keys() == before.keys()
    for label in before:
        assert len(after[label]) == len(before[label])
        assert not set(after[label]) & set(before[label]), label  # every ciphertext changed
        assert all(v.startswith(f"v1:{new_id}:") for v in after[label]), label
    assert CANARY not in str(after)
    event = AuditEvent.objects.get(action="keys.rotate")
    assert event.changes["total"] == sum(len(v) for v in before.values())
    assert event.changes["re_encrypted"]["casework.casenote.text"] == 1

    with override_settings(VIP_FIELD_KEYS=[new]):  # the old key removed: still readable
        assert sum(CANARY in value for value in _application_values()) == len(EXPECTED)
        again = CliRunner().invoke(main, ["keys", "rotate"])
        assert again.exit_code == 0
        assert "Re-encrypted 0 value(s)" in again.output
    with override_settings(VIP_FIELD_KEYS=[TEST_KEY]), pytest.raises(FieldKeyError, match=new_id):
        CaseNote.objects.get()


@pytest.mark.django_db
def test_row_20_existing_plain_text_is_encrypted_by_the_migration(program, make_user) -> None:
    _seed(make_user)
    note = CaseNote.objects.get()
    table, column = CaseNote._meta.db_table, CaseNote._meta.get_field("text").column
    with connection.cursor() as cursor:  # as a database from before this version holds it
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [f"{CANARY} old", note.pk])  # noqa: S608
    forward = _rewrite_columns([("casework", "CaseNote", "text")], encrypt=True)
    forward(apps, connection.schema_editor())
    forward(apps, connection.schema_editor())  # running twice does not encrypt twice
    assert CANARY not in str(_raw_values()["casework.casenote.text"])
    assert CaseNote.objects.get().text == f"{CANARY} old"


@pytest.mark.django_db
def test_row_20_encrypted_columns_cannot_be_searched_by_value(program, make_user) -> None:
    _seed(make_user)
    with pytest.raises(TypeError, match="cannot be searched"):
        list(CaseNote.objects.filter(text=f"{CANARY} note"))
    assert CaseNote.objects.exclude(text="").count() == 1
    with pytest.raises(Exception, match="contains"):
        list(CaseNote.objects.filter(text__contains=CANARY))


def test_row_20_blind_index_is_keyed_deterministic_and_separated_by_purpose() -> None:
    assert blind_index("22-104455", "outcome.source_ref") == blind_index("22-104455", "outcome.source_ref")
    assert blind_index("22-104455", "outcome.source_ref") != blind_index("22-104455", "other")
    first = blind_index("x", "p")
    with override_settings(VIP_BLIND_INDEX_KEY=generate_key()):
        assert blind_index("x", "p") != first


@pytest.mark.django_db
def test_row_20_keys_generate_writes_an_owner_only_key_file_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "field.keys"
    with override_settings(VIP_FIELD_KEYS=[], VIP_FIELD_KEY_FILE=str(path)):
        assert CliRunner().invoke(main, ["keys", "generate"]).exit_code == 0
        first = read_key_file(path)
        assert CliRunner().invoke(main, ["keys", "generate"]).exit_code == 0
        keys = read_key_file(path)
        assert len(keys) == 2 and keys[1] == first[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    printed = CliRunner().invoke(main, ["keys", "generate", "--print"])
    assert len(parse_key(printed.output.strip())) == 32


def test_row_20_the_demo_database_file_holds_no_case_content(tmp_path: Path) -> None:
    """`vip demo` on a real SQLite file: its key files are owner-only, the file (and its WAL)
    hold none of the demo's visit or outcome notes, and the export reads them back."""
    import os
    import subprocess
    import sys

    from vip.demo.names import ATTEMPT_NOTES, OUTCOME_NOTES

    env = {k: v for k, v in os.environ.items() if not k.startswith("VIP_") and k != "DATABASE_URL"}
    env.update({"VIP_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.dev"})
    vip = str(Path(sys.executable).parent / "vip")
    for command in (["demo", "--scale", "0.05", "--end", "2021-06-30"], ["export", str(tmp_path / "export")]):
        done = subprocess.run([vip, *command], env=env, capture_output=True, text=True, check=False)  # noqa: S603
        assert done.returncode == 0, done.stderr
    for name in ("field.keys", "blind-index.key"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    phrases = {p for notes in (*ATTEMPT_NOTES.values(), *OUTCOME_NOTES.values()) for p in notes if len(p) >= 12}
    exported = (tmp_path / "export" / "notifications.csv").read_text(encoding="utf-8")
    exported += (tmp_path / "export" / "outcomes.csv").read_text(encoding="utf-8")
    assert sum(p in exported for p in phrases) >= 5  # the application reads them back
    data = b"".join(f.read_bytes() for f in tmp_path.glob("vip.sqlite3*"))
    assert b"Albuquerque" in data  # the scan sees plain text (the program's city)
    assert [p for p in phrases if p.encode() in data] == []
