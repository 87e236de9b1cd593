"""Interchange format version 2: the field records' files (docs/interchange.md, "Version 2")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from vip.audit.models import AuditEvent
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.incentives.models import Incentive, IncentivePayment
from vip.interchange.export import bundle_export
from vip.interchange.field_files import FIELD_FILES_BY_NAME, _unreadable
from vip.interchange.services import bundle_import
from vip.interchange.tests.worlds import write_lines
from vip.mediations.models import Mediation, MediationParty, OutsideParty
from vip.people.models import Person
from vip.people.services import person_assign_peer
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion

pytestmark = pytest.mark.django_db

FIELD_APPS = {"groups", "safety_plans", "hospital", "mediations", "incentives"}

V1 = {
    "people.csv": [
        "person_key,first_name,last_name,area",
        "P1,Ana,García,southeast",
        "P2,Luis,Baca,",
    ],
    "referrals.csv": [
        "referral_key,person_key,received_on,source,referred_by,area,reason",
        "R1,P1,2024-10-03,hospital,UNM Hospital,southeast,",
        "R2,P2,2024-10-05,hospital,Presbyterian,,",
    ],
}

V2 = {
    "mediations.csv": [
        "mediation_key,occurred_on,outcome,topics,area,summary",
        "MD1,2024-11-03,ongoing,money;respect,valley,SECRET-SUMMARY over a debt of 200",
        "MD2,2024-11-10,resolved,,,",
    ],
    "mediation_parties.csv": [
        "mediation_key,person_key,party_name,party_phone,role",
        "MD1,P1,,,party",
        "MD1,,Big Mike,505-555-0142,party",
        "MD1,,Tía Rosa,,supporter",
        "MD2,P2,,,",
    ],
    "incentives.csv": [
        "incentive_key,person_key,milestone,reached_on,status,amount",
        "I1,P1,intake,2024-10-15,approved,",
        "I2,P1,safety_plan,2024-10-20,approved,40.50",
        "I3,P2,intake,2024-10-16,proposed,",
    ],
    "incentive_payments.csv": [
        "payment_key,incentive_key,paid_on,amount,method,reference,reverses",
        "PY1,I1,2024-10-20,25.00,gift_card,GC-1001,",
        "PY2,I2,2024-10-25,40.50,check,CHK-77,",
        "PY3,I2,2024-10-26,-40.50,check,,PY2",
        "PY4,I2,2024-10-27,40.50,gift_card,GC-1002,",
    ],
    "groups.csv": [
        "group_key,name,aliases,area,active",
        "G1,Westside Crew,WSC;The West,valley,yes",
        "G2,Los Primos,,,no",
    ],
    "group_members.csv": [
        "member_key,group_key,person_key,member_from,member_to,source",
        "M1,G1,P1,2023-01-01,,self_reported",
        "M2,G1,P2,2023-02-01,2024-06-30,police_intelligence",
        "M3,G2,P2,2022-05-01,,peer_knowledge",
    ],
    "call_ins.csv": [
        "call_in_key,held_at,place,area,groups",
        "C1,2024-11-05T18:00:00-07:00,Westside Community Center,valley,G1;G2",
    ],
    "call_in_attendance.csv": [
        "call_in_key,person_key,invited,attended",
        "C1,P1,yes,yes",
        "C1,P2,yes,no",
    ],
    "safety_plans.csv": [
        "person_key,version,written_on,warning_signs,avoid,safe_places,people_to_call,coping,goals,reason",
        "P1,1,2024-10-10,SECRET-SIGNS when he is out,Central & 4th,Aunt's house,Aunt 505-555-0199,Walk away,GED,",
        "P1,2,2024-11-20,SECRET-SIGNS changed,Central & 4th,Aunt's house,Aunt,Walk away,A job,SECRET-REASON moved",
        "P2,1,2024-10-12,,,,,,,",
    ],
    "safety_check_ins.csv": [
        "check_in_key,person_key,checked_at,status,plan_still_fits,note",
        "K1,P1,2024-11-01T10:00:00-06:00,concerns,yes,SECRET-NOTE saw them at the store",
        "K2,P1,2024-11-25T10:00:00-07:00,safe,,",
        "K3,P2,2024-11-02,safe,no,",
    ],
    "hospital_referrals.csv": [
        "referral_key,hospital,unit,injury_date,injury_type,admitted,consent_to_contact,consent_recorded_on,"
        "clinical_notes",
        "R1,UNM Hospital,Trauma ICU,2024-10-02,gunshot,yes,yes,2024-10-04,SECRET-CLINICAL GSW left leg",
        "R2,Presbyterian,,2024-10-04,stabbing,no,not_asked,,",
    ],
    "bedside_visits.csv": [
        "visit_key,referral_key,attempted_at,outcome,consent_given,notes",
        "V1,R1,2024-10-04T09:30:00-06:00,reached,yes,SECRET-VISIT talked with mom",
        "V2,R2,2024-10-05T11:00:00-06:00,discharged,,",
    ],
}

CASEWORK_MARK = "SECRET-"


def _bundle(tmp_path: Path, name: str = "in", **changes: list[str]) -> Path:
    files = {**V1, **V2}
    files.update({f"{k}.csv": v for k, v in changes.items()})
    return write_lines(tmp_path / name, files)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def field_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.app_label in FIELD_APPS} | {
        "audit": AuditEvent.objects.count(),
        "people": Person.objects.count(),
    }


def test_a_bundle_with_every_new_file_imports(program, tmp_path: Path) -> None:
    result = bundle_import(actor=None, path=_bundle(tmp_path))
    assert result.written, [str(p) for p in result.problems]
    for name, lines in V2.items():
        assert result.counts[name].created == len(lines) - 1, name
    assert list(Group.objects.order_by("key").values_list("key", "name", "active", "area__code")) == [
        ("G1", "Westside Crew", True, "valley"),
        ("G2", "Los Primos", False, None),
    ]
    member = GroupMembership.objects.get(key="M2")
    assert (member.group.key, member.person.key, str(member.member_to), member.source) == (
        "G1",
        "P2",
        "2024-06-30",
        "police_intelligence",
    )
    assert member.recorded_by is None  # the operator, from the command line: "imported"
    call_in = CallIn.objects.get(key="C1")
    assert sorted(call_in.groups.values_list("key", flat=True)) == ["G1", "G2"]
    assert CallInAttendance.objects.get(call_in=call_in, person__key="P2").attended is False
    plan = SafetyPlan.objects.get(person__key="P1")
    assert plan.current == 2
    assert list(plan.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert SafetyPlanVersion.objects.get(plan=plan, number=2).reason == "SECRET-REASON moved"
    # A check-in is on the version in force on its day.
    assert SafetyCheckIn.objects.get(key="K1").plan_number == 1
    assert SafetyCheckIn.objects.get(key="K2").plan_number == 2
    hospital = HospitalReferral.objects.get(referral__key="R1")
    assert (hospital.consent_to_contact, str(hospital.consent_recorded_on)) == ("yes", "2024-10-04")
    assert hospital.clinical_notes == "SECRET-CLINICAL GSW left leg"
    visit = BedsideVisit.objects.get(key="V1")
    assert (visit.hospital_referral_id, visit.consent_given, visit.by) == (hospital.pk, True, None)
    mediation = Mediation.objects.get(key="MD1")
    assert (mediation.topics, mediation.area.code, mediation.recorded_by) == (["money", "respect"], "valley", None)
    parties = MediationParty.objects.filter(mediation=mediation).order_by("id")
    assert [(p.person.key if p.person else p.outside.name, p.role) for p in parties] == [
        ("P1", "party"),
        ("Big Mike", "party"),
        ("Tía Rosa", "supporter"),
    ]
    assert OutsideParty.objects.get(name="Big Mike").phone == "505-555-0142"
    assert MediationParty.objects.get(mediation__key="MD2").role == "party"
    assert dict(Incentive.objects.values_list("key", "amount_cents")) == {"I1": 2500, "I2": 4050, "I3": 2500}
    ledger = IncentivePayment.objects.filter(incentive__key="I2").order_by("paid_on")
    assert [(p.key, p.amount_cents, p.reversal_of.key if p.reversal_of else None) for p in ledger] == [
        ("PY2", 4050, None),
        ("PY3", -4050, "PY2"),
        ("PY4", 4050, None),
    ]
    event = AuditEvent.objects.filter(action="interchange.import").latest("id")
    assert event.changes["format_version"] == "2"
    batch = AuditEvent.objects.get(action="interchange.import.batch", object_id="group_members.csv")
    assert batch.changes["created"] == ["M1", "M2", "M3"]


def test_the_importing_account_is_recorded(program, make_user, tmp_path: Path) -> None:
    manager = make_user("manager")
    result = bundle_import(actor=manager, path=_bundle(tmp_path))
    assert result.written, [str(p) for p in result.problems]
    assert Group.objects.get(key="G1").recorded_by == manager
    assert BedsideVisit.objects.get(key="V1").by == manager
    assert SafetyPlanVersion.objects.get(plan__person__key="P1", number=1).by == manager


def test_reimport_changes_nothing_and_a_changed_row_is_updated(program, tmp_path: Path) -> None:
    assert bundle_import(actor=None, path=_bundle(tmp_path)).written
    before = field_counts()
    again = bundle_import(actor=None, path=_bundle(tmp_path))
    assert again.written
    assert all(c.created == c.updated == 0 for c in again.counts.values()), again.counts
    after = field_counts()
    assert after.pop("audit") == before.pop("audit") + 1  # the import's own event, no batch
    assert after == before
    # A changed row: updated in place, under its key, and audited by name.
    groups = [*V2["groups.csv"][:2], "G2,Los Primos,LP,southwest,yes"]
    changed = bundle_import(actor=None, path=_bundle(tmp_path, "changed", groups=groups))
    assert changed.written, [str(p) for p in changed.problems]
    assert (changed.counts["groups.csv"].updated, changed.counts["groups.csv"].unchanged) == (1, 1)
    g2 = Group.objects.get(key="G2")
    assert (g2.aliases, g2.area.code, g2.active, g2.version) == ("LP", "southwest", True, 2)
    event = AuditEvent.objects.filter(action="interchange.import.batch", object_id="groups.csv").latest("id")
    assert event.changes["updated"] == {"G2": ["aliases", "area", "active"]}
    assert Group.objects.count() == 2


def test_export_round_trips_into_an_empty_database(program, tmp_path: Path) -> None:
    first = tmp_path / "first"
    with transaction.atomic():
        assert bundle_import(actor=None, path=_bundle(tmp_path)).written
        counts = bundle_export(actor=None, out_dir=first)
        transaction.set_rollback(True)  # the database is empty again
    assert not Group.objects.exists() and not Person.objects.exists()
    for name, lines in V2.items():
        assert counts[name] == len(lines) - 1, name
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == "2"
    assert manifest["files"]["bedside_visits.csv"] == 2
    result = bundle_import(actor=None, path=first)
    assert result.written, [str(p) for p in result.problems]
    second = tmp_path / "second"
    bundle_export(actor=None, out_dir=second)
    for name in [*V1, *V2, "manifest.json"]:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    # The export is the bundle, up to normalised formats.
    assert _rows(first, "groups.csv")[0] == {
        "group_key": "G1",
        "name": "Westside Crew",
        "aliases": "WSC;The West",
        "area": "valley",
        "active": "yes",
    }
    assert _rows(first, "call_ins.csv")[0]["groups"] == "G1;G2"
    payments = {r["payment_key"]: (r["amount"], r["reverses"]) for r in _rows(first, "incentive_payments.csv")}
    assert payments == {
        "PY1": ("25.00", ""),
        "PY2": ("40.50", ""),
        "PY3": ("-40.50", "PY2"),
        "PY4": ("40.50", ""),
    }
    assert [r["amount"] for r in _rows(first, "incentives.csv")] == ["25.00", "40.50", "25.00"]
    # And importing an export changes nothing.
    before = field_counts()
    again = bundle_import(actor=None, path=second)
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    after = field_counts()
    assert after.pop("audit") == before.pop("audit") + 1
    assert after == before


def test_a_version_1_bundle_imports_as_before(program, tmp_path: Path) -> None:
    before = field_counts()
    result = bundle_import(actor=None, path=write_lines(tmp_path / "v1", V1))
    assert result.written
    assert set(result.counts) == {"people.csv", "referrals.csv"}
    assert result.unknown_files == []
    after = field_counts()
    assert {k: v for k, v in after.items() if k not in {"audit", "people"}} == {
        k: v for k, v in before.items() if k not in {"audit", "people"}
    }
    assert AuditEvent.objects.get(action="interchange.import").changes["format_version"] == "1"


BAD = [
    ("mediations", "MD3,2024-11-10,calm,,,", "mediations.csv:4: outcome: unknown code 'calm'"),
    ("mediations", "MD3,2024-11-10,resolved,money;guns,,", "mediations.csv:4: topics: unknown topic 'guns'"),
    ("mediation_parties", "MD2,P1,Someone,,", "mediation_parties.csv:6: party_name: give either person_key"),
    ("mediation_parties", "MD2,,,,", "mediation_parties.csv:6: party_name: give either person_key"),
    ("mediation_parties", "MD9,P1,,,", "mediation_parties.csv:6: mediation_key: unknown mediation_key 'MD9'"),
    ("mediation_parties", "MD1,,Big Mike,,", "mediation_parties.csv:6: key: duplicate key 'MD1 /  / Big Mike'"),
    ("incentives", "I4,P2,moon_landing,2024-10-16,proposed,", "incentives.csv:5: milestone: unknown milestone"),
    (
        "incentives",
        "I4,P2,safety_plan,2024-10-16,proposed,12.345",
        "incentives.csv:5: amount: '12.345' is not an amount",
    ),
    ("incentives", "I4,P2,intake,2024-10-16,approved,", "incentives.csv:5: milestone: 'P2' holds milestone 'intake'"),
    ("incentive_payments", "PY5,I3,2024-10-20,25.00,cash,,", "incentive_payments.csv:6: incentive_key: 'I3' is not"),
    ("incentive_payments", "PY5,I1,2024-10-20,-25.00,cash,,", "incentive_payments.csv:6: amount: a payment's amount"),
    ("incentive_payments", "PY5,I2,2024-10-28,-40.50,check,,PY2", "incentive_payments.csv:6: reverses: 'PY2' was"),
    ("incentive_payments", "PY5,I2,2024-10-28,-40.50,check,,PY3", "incentive_payments.csv:6: reverses: 'PY3' is a"),
    ("incentive_payments", "PY5,I1,2024-10-28,-20.00,check,,PY1", "incentive_payments.csv:6: amount: a reversal is"),
    ("incentive_payments", "PY5,I1,2024-10-28,25.00,bitcoin,,", "incentive_payments.csv:6: method: unknown code"),
    ("groups", "G3,,,,", "groups.csv:4: name: required, but empty"),
    ("groups", "G3,Crew,,nowhere,", "groups.csv:4: area: unknown area code 'nowhere'"),
    ("groups", "G1,Again,,,", "groups.csv:4: group_key: duplicate key 'G1' (first at line 2)"),
    ("groups", "G3,westside  crew,,,", "groups.csv:4: name: 'westside  crew' names another group too (line 2)"),
    ("group_members", "M4,G9,P1,2023-01-01,,self_reported", "group_members.csv:5: group_key: unknown group_key 'G9'"),
    ("group_members", "M4,G1,P9,2023-01-01,,self_reported", "group_members.csv:5: person_key: unknown person_key 'P9'"),
    ("group_members", "M4,G1,P1,2023-01-01,2022-01-01,self_reported", "group_members.csv:5: member_to: 2022-01-01 is"),
    ("group_members", "M4,G1,P1,2023-01-01,,rumour", "group_members.csv:5: source: unknown code 'rumour'"),
    ("call_ins", "C2,2024-11-05,Hall,,G1;G7", "call_ins.csv:3: groups: unknown group_key 'G7'"),
    ("call_ins", "C2,tuesday,Hall,,", "call_ins.csv:3: held_at: 'tuesday' is not a date"),
    ("call_in_attendance", "C9,P1,yes,no", "call_in_attendance.csv:4: call_in_key: unknown call_in_key 'C9'"),
    ("call_in_attendance", "C1,P1,maybe,no", "call_in_attendance.csv:4: invited: 'maybe' is not yes, no or empty"),
    ("safety_plans", "P2,first,2024-10-12,,,,,,,", "safety_plans.csv:5: version: 'first' is not a version number"),
    ("safety_plans", "P2,1,2024-10-13,,,,,,,", "safety_plans.csv:5: key: duplicate key 'P2 / 1' (first at line 4)"),
    ("safety_check_ins", "K4,P1,2024-11-02,fine,,", "safety_check_ins.csv:5: status: unknown code 'fine'"),
    (
        "hospital_referrals",
        "R9,UNM,,2024-10-02,gunshot,,,,",
        "hospital_referrals.csv:4: referral_key: unknown referral_key",
    ),
    (
        "hospital_referrals",
        "R9,UNM,,2024-10-02,gunshot,,yes,,",
        "hospital_referrals.csv:4: consent_recorded_on: required when consent_to_contact is yes",
    ),
    (
        "bedside_visits",
        "V3,R2,2024-10-05T12:00:00-06:00,discharged,yes,",
        "bedside_visits.csv:4: consent_given: must be empty unless the outcome is one of: declined, reached",
    ),
    ("bedside_visits", "V3,R7,2024-10-05,reached,,", "bedside_visits.csv:4: referral_key: unknown referral_key 'R7'"),
    ("bedside_visits", "V3,R2,2024-10-05,declined,yes,", "bedside_visits.csv:4: consent_given: a patient who declined"),
    ("bedside_visits", "V3,R2,2024-10-01,reached,,", "bedside_visits.csv:4: attempted_at: 2024-10-01 is before the"),
    (
        "hospital_referrals",
        "R9,UNM,,2024-10-02,gunshot,,yes,2024-10-01,",
        "hospital_referrals.csv:4: consent_recorded_on: 2024-10-01 is before injury_date 2024-10-02",
    ),
]


@pytest.mark.parametrize(("file", "row", "message"), BAD, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD)])
def test_a_bad_row_is_reported_and_nothing_is_written(
    program, tmp_path: Path, file: str, row: str, message: str
) -> None:
    before = field_counts()
    result = bundle_import(actor=None, path=_bundle(tmp_path, **{file: [*V2[f"{file}.csv"], row]}))
    assert not result.written
    shown = [str(p) for p in result.problems]
    assert any(m.startswith(message) for m in shown), shown
    assert field_counts() == before


def test_a_check_in_needs_a_safety_plan(program, tmp_path: Path) -> None:
    plans = V2["safety_plans.csv"][:3]  # no plan for P2
    result = bundle_import(actor=None, path=_bundle(tmp_path, safety_plans=plans))
    assert not result.written
    assert [str(p) for p in result.problems] == [
        "safety_check_ins.csv:4: person_key: 'P2' has no safety plan (safety_plans.csv)"
    ]


def test_a_written_plan_version_is_never_changed(program, tmp_path: Path) -> None:
    assert bundle_import(actor=None, path=_bundle(tmp_path)).written
    plans = [*V2["safety_plans.csv"][:3], "P2,1,2024-10-12,Now different,,,,,,"]
    result = bundle_import(actor=None, path=_bundle(tmp_path, "again", safety_plans=plans))
    assert not result.written
    assert [str(p) for p in result.problems] == [
        "safety_plans.csv:4: version: a version of a safety plan is never changed once written: add a new version"
    ]


def test_payments_are_never_edited_and_a_paid_amount_never_changes(program, tmp_path: Path) -> None:
    assert bundle_import(actor=None, path=_bundle(tmp_path)).written
    payments = [*V2["incentive_payments.csv"][:1], "PY1,I1,2024-10-20,20.00,gift_card,GC-1001,"]
    incentives = [*V2["incentives.csv"][:1], "I1,P1,intake,2024-10-15,approved,30.00"]
    result = bundle_import(
        actor=None, path=_bundle(tmp_path, "again", incentive_payments=payments, incentives=incentives)
    )
    assert not result.written
    assert [str(p) for p in result.problems] == [
        "incentives.csv:2: amount: the incentive is paid: its amount stays 25.00 "
        "(payments are never edited, only reversed)",
        "incentive_payments.csv:2: amount: differs from the payment recorded: payments are never edited, only reversed",
    ]
    assert IncentivePayment.objects.get(key="PY1").amount_cents == 2500
    # An unpaid incentive's amount follows the bundle.
    incentives = [*V2["incentives.csv"][:1], "I3,P2,intake,2024-10-16,proposed,30.00"]
    assert bundle_import(actor=None, path=write_lines(tmp_path / "i3", {"incentives.csv": incentives})).written
    assert Incentive.objects.get(key="I3").amount_cents == 3000


def _import_all(tmp_path: Path) -> None:
    result = bundle_import(actor=None, path=_bundle(tmp_path))
    assert result.written, [str(p) for p in result.problems]


def test_police_export_holds_no_casework(program, make_user, tmp_path: Path) -> None:
    _import_all(tmp_path)
    out = tmp_path / "police"
    bundle_export(actor=make_user("police"), out_dir=out)
    names = {p.name for p in out.iterdir()}
    # Safety plans, check-ins, hospital referrals and visits are never police's (the wall).
    assert names.isdisjoint(
        {
            "safety_plans.csv",
            "safety_check_ins.csv",
            "hospital_referrals.csv",
            "bedside_visits.csv",
            "mediation_parties.csv",
            "incentives.csv",
            "incentive_payments.csv",
        }
    )
    # Mediations only where the profile lets police see that one happened (Albuquerque: not).
    assert "mediations.csv" not in names
    # Memberships: only those from police intelligence.
    assert [r["member_key"] for r in _rows(out, "group_members.csv")] == ["M2"]
    assert {r["group_key"] for r in _rows(out, "groups.csv")} == {"G1", "G2"}
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert CASEWORK_MARK not in text


def test_manager_export_holds_no_casework_text(program, make_user, tmp_path: Path) -> None:
    _import_all(tmp_path)
    out = tmp_path / "manager"
    bundle_export(actor=make_user("manager"), out_dir=out)
    assert len(_rows(out, "safety_plans.csv")) == 3  # that plans exist, their versions and days
    assert len(_rows(out, "bedside_visits.csv")) == 2
    assert {r["summary"] for r in _rows(out, "mediations.csv")} == {""}
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert CASEWORK_MARK not in text
    # Re-imported by the manager, the blank casework cells leave the stored text as it is.
    result = bundle_import(actor=make_user("manager"), path=out)
    assert result.written, [str(p) for p in result.problems]
    assert SafetyCheckIn.objects.get(key="K1").note == "SECRET-NOTE saw them at the store"
    assert HospitalReferral.objects.get(referral__key="R1").clinical_notes == "SECRET-CLINICAL GSW left leg"


def test_peer_export_is_their_caseload_only(program, make_user, tmp_path: Path) -> None:
    _import_all(tmp_path)
    peer = make_user("peer")
    person_assign_peer(actor=None, person=Person.objects.get(key="P1"), peer=peer)
    out = tmp_path / "peer"
    bundle_export(actor=peer, out_dir=out)
    assert {r["person_key"] for r in _rows(out, "safety_plans.csv")} == {"P1"}
    assert {r["check_in_key"] for r in _rows(out, "safety_check_ins.csv")} == {"K1", "K2"}
    assert {r["referral_key"] for r in _rows(out, "hospital_referrals.csv")} == {"R1"}
    assert {r["visit_key"] for r in _rows(out, "bedside_visits.csv")} == {"V1"}
    # Never a membership from police intelligence; only the caseload's.
    assert [r["member_key"] for r in _rows(out, "group_members.csv")] == ["M1"]
    assert [r["person_key"] for r in _rows(out, "call_in_attendance.csv")] == ["P1"]
    assert {r["incentive_key"] for r in _rows(out, "incentives.csv")} == {"I1", "I2"}
    assert {r["payment_key"] for r in _rows(out, "incentive_payments.csv")} == {"PY1", "PY2", "PY3", "PY4"}
    # The peer team's mediation log is shared.
    assert {r["mediation_key"] for r in _rows(out, "mediations.csv")} == {"MD1", "MD2"}
    # ... but a party who is a person off their caseload is not named (nor listed).
    parties = {(r["mediation_key"], r["person_key"], r["party_name"]) for r in _rows(out, "mediation_parties.csv")}
    assert parties == {("MD1", "P1", ""), ("MD1", "", "Big Mike"), ("MD1", "", "Tía Rosa")}


def test_an_import_never_overwrites_what_the_account_may_not_read(program, make_user, tmp_path: Path) -> None:
    """Only managers import, and they read every field record; the rule still holds for any role
    the policy may later let import (as version 1's _unreadable_keys): a peer may overwrite their
    caseload's check-ins only, police no membership from peer support."""
    _import_all(tmp_path)
    peer = make_user("peer")
    person_assign_peer(actor=None, person=Person.objects.get(key="P1"), peer=peer)
    check_ins = FIELD_FILES_BY_NAME["safety_check_ins.csv"]
    assert _unreadable(peer, check_ins, check_ins.stored(["K1", "K3"])) == {"K3"}
    members = FIELD_FILES_BY_NAME["group_members.csv"]
    assert _unreadable(make_user("police"), members, members.stored(["M1", "M2", "M3"])) == {"M1", "M3"}
    assert _unreadable(make_user("manager"), members, members.stored(["M1", "M2", "M3"])) == set()
    assert _unreadable(None, members, members.stored(["M1"])) == set()


def test_every_new_file_is_declared() -> None:
    assert set(FIELD_FILES_BY_NAME) == set(V2)


def test_skip_invalid_leaves_out_a_bad_row_and_the_rows_naming_it(program, tmp_path: Path) -> None:
    groups = [V2["groups.csv"][0], "G1,,,,", V2["groups.csv"][2]]  # G1 rejected: no name
    result = bundle_import(
        actor=None, path=_bundle(tmp_path, groups=groups), skip_invalid=True, rejects_dir=tmp_path / "rejects"
    )
    assert result.written
    assert sorted(Group.objects.values_list("key", flat=True)) == ["G2"]
    # M1 and M2 name G1: left out with it; M3 (of G2) is written.
    assert sorted(GroupMembership.objects.values_list("key", flat=True)) == ["M3"]
    assert not CallIn.objects.exists()  # C1 invites G1
    rejected = _rows(tmp_path / "rejects", "group_members.csv")
    assert [r["member_key"] for r in rejected] == ["M1", "M2"]
    assert rejected[0]["reject_reasons"].startswith("group_key: unknown group_key 'G1'")
    assert SafetyPlanVersion.objects.count() == 3  # the other files are untouched by it


def test_a_dry_run_checks_the_new_files_and_writes_nothing(program, tmp_path: Path) -> None:
    before = field_counts()
    result = bundle_import(actor=None, path=_bundle(tmp_path), dry_run=True)
    assert result.valid and not result.written
    assert result.counts["bedside_visits.csv"].read == 2
    bad = bundle_import(
        actor=None,
        path=_bundle(tmp_path, "bad", bedside_visits=[*V2["bedside_visits.csv"], "V3,R7,2024-10-05,reached,,"]),
        dry_run=True,
    )
    assert str(bad.problems[0]).startswith("bedside_visits.csv:4: referral_key: unknown referral_key")
    assert field_counts() == before


def test_a_group_name_already_recorded_under_another_key_is_refused(program, tmp_path: Path) -> None:
    assert bundle_import(actor=None, path=_bundle(tmp_path)).written
    groups = [V2["groups.csv"][0], "G9,WESTSIDE CREW,,,"]
    result = bundle_import(actor=None, path=write_lines(tmp_path / "g9", {"groups.csv": groups}))
    assert [str(p) for p in result.problems] == [
        "groups.csv:2: name: a group named 'WESTSIDE CREW' is already recorded ('G1')"
    ]


def test_a_party_taken_off_a_mediation_is_not_put_back(program, tmp_path: Path) -> None:
    assert bundle_import(actor=None, path=_bundle(tmp_path)).written
    party = MediationParty.objects.get(mediation__key="MD1", outside__name="Tía Rosa")
    MediationParty._base_manager.filter(pk=party.pk).update(removed_at=timezone.now())
    result = bundle_import(actor=None, path=_bundle(tmp_path, "again"))
    assert [str(p) for p in result.problems] == [
        "mediation_parties.csv:4: key: 'MD1 /  / Tía Rosa' names an entry voided in the case file: "
        "an import does not change it"
    ]
    assert MediationParty._base_manager.filter(mediation__key="MD1").count() == 3
