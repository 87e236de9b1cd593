"""Importing valid bundles: creates, updates, idempotence, skip mode, audit, time zones."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from vip.audit.models import AuditEvent
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import PEOPLE, table_counts
from vip.notifications.models import NotificationAttempt
from vip.people.models import Person
from vip.service_referrals.models import ServiceReferral

pytestmark = pytest.mark.django_db

NOTIFICATIONS = (
    "attempt_key,person_key,attempted_at,outcome,team,area,legal_risk_explained,offer_of_help,letter_given,notes\n"
    "N1,P1,2022-11-30T23:30:00,delivered,peer_support;police,,yes,yes,no,Met at home\n"
    "N2,P1,2022-12-01T06:15:00+00:00,not_found,police;peer_support,valley,,,,\n"
    "N3,P2,2022-11-15,refused,,northwest,,,,\n"
)


def test_row_23_creates_then_reimport_changes_nothing(program, write_bundle) -> None:
    path = write_bundle({"people.csv": PEOPLE, "notifications.csv": NOTIFICATIONS})
    first = bundle_import(actor=None, path=path)
    assert first.valid and first.written
    assert first.counts["people.csv"].created == 2
    assert first.counts["notifications.csv"].created == 3
    after_first = table_counts()
    versions = dict(Person.objects.values_list("key", "version"))

    second = bundle_import(actor=None, path=path)
    assert second.counts["people.csv"].unchanged == 2
    assert second.counts["notifications.csv"].unchanged == 3
    assert second.counts["people.csv"].created == second.counts["people.csv"].updated == 0
    counts = table_counts()
    # Only the import's own summary event is added.
    assert counts.pop("audit.AuditEvent") == after_first.pop("audit.AuditEvent") + 1
    assert counts == after_first
    assert dict(Person.objects.values_list("key", "version")) == versions


def test_changed_row_is_updated_not_duplicated(program, write_bundle) -> None:
    bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE}))
    changed = PEOPLE.replace("P2,Luis,Baca,1999-01-31,male,", "P2,Luis,Vaca,1999-01-31,male,valley")
    result = bundle_import(actor=None, path=write_bundle({"people.csv": changed}))
    assert result.counts["people.csv"].updated == 1
    assert result.counts["people.csv"].unchanged == 1
    person = Person.objects.get(key="P2")
    assert (person.last_name, person.area.code, person.version) == ("Vaca", "valley", 2)
    assert Person.objects.count() == 2
    event = AuditEvent.objects.filter(action="interchange.import.batch").last()
    assert event.changes["updated"] == {"P2": ["last_name", "area"]}


def test_rows_are_never_deleted(program, write_bundle) -> None:
    bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE}))
    only_one = "\n".join(PEOPLE.splitlines()[:2]) + "\n"
    bundle_import(actor=None, path=write_bundle({"people.csv": only_one}))
    assert Person.objects.count() == 2


def test_dates_and_times_in_the_program_time_zone(program, write_bundle) -> None:
    bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE, "notifications.csv": NOTIFICATIONS}))
    n1, n2, n3 = NotificationAttempt.objects.order_by("key")
    # 23:30 local on 30 November (no offset given) stays on 30 November.
    assert n1.attempted_on == dt.date(2022, 11, 30)
    assert n1.attempted_at == dt.datetime(2022, 12, 1, 6, 30, tzinfo=dt.UTC)
    # 06:15 UTC on 1 December is 23:15 on 30 November in Albuquerque.
    assert n2.attempted_on == dt.date(2022, 11, 30)
    assert n3.attempted_on == dt.date(2022, 11, 15) and n3.attempted_at is None
    assert (n1.team_roles, n2.team_roles, n3.team_roles) == (["peer_support", "police"], ["peer_support", "police"], [])
    assert (n1.legal_risk_explained, n1.letter_given, n2.offer_of_help) == (True, False, None)


def test_header_case_spacing_bom_unknown_columns_and_column_order(program, write_bundle) -> None:
    text = "\ufeff Last_Name ,PERSON_KEY,favourite_colour,First_Name\nGarcía,P1,blue,Ana\n"
    result = bundle_import(actor=None, path=write_bundle({"people.csv": text, "notes.txt.csv": "x\n1\n"}))
    assert result.valid, result.problems
    assert result.unknown_files == ["notes.txt.csv"]
    person = Person.objects.get(key="P1")
    assert (person.first_name, person.last_name, person.date_of_birth) == ("Ana", "García", None)


def test_keys_are_strings(program, write_bundle) -> None:
    text = "person_key,first_name,last_name\n00123,A,B\n123,C,D\n"
    assert bundle_import(actor=None, path=write_bundle({"people.csv": text})).valid
    assert set(Person.objects.values_list("key", flat=True)) == {"00123", "123"}


def test_zip_bundle(program, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("people.csv", PEOPLE)
        archive.writestr("notifications.csv", NOTIFICATIONS)
    result = bundle_import(actor=None, path=path)
    assert result.written
    assert NotificationAttempt.objects.count() == 3


def test_references_to_records_already_in_the_database(program, write_bundle) -> None:
    bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE}))
    result = bundle_import(
        actor=None,
        path=write_bundle(
            {"outcomes.csv": "outcome_key,person_key,occurred_on,type\nO1,P2,2022-11-02,arrest_firearm\n"}
        ),
    )
    assert result.written
    assert Person.objects.get(key="P2").outcomes.get().type == "arrest_firearm"


def test_row_23_skip_invalid_writes_good_rows_and_rejects_with_reasons(program, write_bundle, tmp_path: Path) -> None:
    people = PEOPLE + "P3,Eva,Chávez,2001-02-30,female,valley\n"
    outcomes = "outcome_key,person_key,occurred_on,type\nO1,P1,2022-11-02,shot\nO2,P3,2022-11-03,shot\n"
    rejects = tmp_path / "rejects"
    result = bundle_import(
        actor=None,
        path=write_bundle({"people.csv": people, "outcomes.csv": outcomes}),
        skip_invalid=True,
        rejects_dir=rejects,
    )
    assert result.written
    assert set(Person.objects.values_list("key", flat=True)) == {"P1", "P2"}
    assert result.counts["people.csv"].rejected == 1
    assert result.counts["outcomes.csv"].rejected == 1  # refers to the rejected person
    with open(rejects / "people.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {
            "person_key": "P3",
            "first_name": "Eva",
            "last_name": "Chávez",
            "date_of_birth": "2001-02-30",
            "sex": "female",
            "area": "valley",
            "reject_line": "4",
            "reject_reasons": "date_of_birth: '2001-02-30' is not a real calendar date",
        }
    ]
    # The rejects folder is a bundle: fix the row and import it.
    fixed = (rejects / "people.csv").read_text(encoding="utf-8").replace("2001-02-30", "2001-02-28")
    (rejects / "people.csv").write_text(fixed, encoding="utf-8")
    assert bundle_import(actor=None, path=rejects).written
    assert Person.objects.get(key="P3").date_of_birth == dt.date(2001, 2, 28)


def test_dry_run_writes_nothing(program, write_bundle) -> None:
    before = table_counts()
    result = bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE}), dry_run=True)
    assert result.valid and not result.written
    assert table_counts() == before


def test_one_audit_event_per_batch_naming_what_changed(program, write_bundle, settings) -> None:
    rows = "".join(f"P{i},N{i},L{i},,,\n" for i in range(120))
    bundle_import(actor=None, path=write_bundle({"people.csv": "person_key,first_name,last_name,x,y,z\n" + rows}))
    events = list(AuditEvent.objects.filter(action="interchange.import.batch").order_by("id"))
    assert len(events) == 3  # batches of 50 in the test settings
    assert [len(e.changes["created"]) for e in events] == [50, 50, 20]
    assert events[0].changes["created"][:2] == ["P0", "P1"]
    assert all(e.actor_role == "operator" and e.source_address.startswith("cli:") for e in events)
    summary = AuditEvent.objects.get(action="interchange.import")
    assert summary.changes["counts"]["people.csv"]["created"] == 120


def test_service_referral_history_from_import(program, write_bundle) -> None:
    text = (
        "service_referral_key,person_key,category,provider,referred_on,status,connected_on,closed_on\n"
        "S1,P1,housing,Casa,2022-10-01,completed,2022-10-05,2022-12-01\n"
        "S2,P1,employment,,2022-10-01,referred,,\n"
    )
    bundle_import(actor=None, path=write_bundle({"people.csv": PEOPLE, "service_referrals.csv": text}))
    s1 = ServiceReferral.objects.get(key="S1")
    assert list(s1.history.values_list("status", "changed_on")) == [
        ("referred", dt.date(2022, 10, 1)),
        ("connected", dt.date(2022, 10, 5)),
        ("completed", dt.date(2022, 12, 1)),
    ]
    moved = text.replace(
        "S2,P1,employment,,2022-10-01,referred,,", "S2,P1,employment,,2022-10-01,connected,2022-10-20,"
    )
    bundle_import(actor=None, path=write_bundle({"service_referrals.csv": moved}))
    s2 = ServiceReferral.objects.get(key="S2")
    assert list(s2.history.values_list("status", "changed_on")) == [
        ("referred", dt.date(2022, 10, 1)),
        ("connected", dt.date(2022, 10, 20)),
    ]


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin"])
def test_only_managers_and_the_operator_import(program, make_user, write_bundle, role) -> None:
    with pytest.raises(PermissionDenied):
        bundle_import(actor=make_user(role), path=write_bundle({"people.csv": PEOPLE}))
    assert bundle_import(actor=make_user("manager"), path=write_bundle({"people.csv": PEOPLE})).written
