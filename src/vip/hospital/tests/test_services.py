"""Hospital referral services: recording (with the referral into the program), receiving by key,
changing with the version opened, bedside visits and the consent they record, voiding.

Each write records its audit events in its own transaction; a refused one writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import AuditTrail, audit_store_down
from vip.core.errors import AlreadyReceivedError, ConflictError
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.services import (
    bedside_visit_void,
    hospital_referral_receive,
    hospital_referral_update,
    hospital_referral_void,
)
from vip.people.models import Correction, Person
from vip.referrals.models import Referral
from vip.referrals.services import referral_assign

from .conftest import DENVER, INJURED, RECEIVED, VISITED, referral_of, visit_to

pytestmark = pytest.mark.django_db


def _fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


# --- recording ----------------------------------------------------------------------------------


def test_recording_makes_the_referral_and_the_hospital_details_and_audits_both(world) -> None:
    trail = AuditTrail()
    made = referral_of(world["own"], world["peer"], consent_to_contact="yes")
    stored = _fresh(made)
    referral = stored.referral
    assert (referral.person_id, referral.received_on, referral.source) == (world["own"].pk, RECEIVED, "hospital")
    # The referral itself carries nothing of what the hospital said: police read referrals.
    assert (referral.referred_by, referral.reason) == ("", "")
    assert (stored.hospital, stored.unit, stored.injury_date, stored.injury_type) == (
        "UNM Hospital",
        "Trauma ICU",
        INJURED,
        "gunshot",
    )
    assert stored.clinical_notes == "Through-and-through wound, left thigh"
    # Consent answered before the referral came: on the day it was received.
    assert (stored.consent_to_contact, stored.consent_recorded_on) == ("yes", RECEIVED)
    assert stored.recorded_by_id == world["peer"].pk
    assert trail.actions() == [("referral.create", "success"), ("hospital_referral.record", "success")]
    recorded = trail.events()[1]
    assert recorded.object_id == str(made.pk)
    # Health information is recorded as given, never copied into the audit trail.
    assert "Through-and-through" not in json.dumps(recorded.changes)


def test_the_clinical_notes_are_encrypted_at_rest(world) -> None:
    from django.db import connection

    made = referral_of(world["own"], world["peer"], clinical_notes="ENCRYPTEDCANARY")
    with connection.cursor() as cursor:
        cursor.execute("SELECT clinical_notes FROM hospital_hospitalreferral WHERE id = %s", [made.pk])
        (raw,) = cursor.fetchone()
    assert "ENCRYPTEDCANARY" not in raw
    assert _fresh(made).clinical_notes == "ENCRYPTEDCANARY"


@pytest.mark.parametrize(
    ("who", "person"),
    [("police", "own"), ("analyst", "own"), ("admin", "own"), ("peer", "elsewhere"), ("peer", "nobody")],
)
def test_who_may_not_record_writes_nothing(world, who, person) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied):
        referral_of(world[person], world[who])
    assert HospitalReferral.objects.count() == 0 and Referral.objects.count() == 0
    assert trail.events() == []


@pytest.mark.parametrize("who", ["manager", "integration"])
def test_managers_and_a_hospital_system_record_for_anyone(world, who) -> None:
    made = referral_of(world["nobody"], world[who])
    assert made.referral.person_id == world["nobody"].pk


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"injury_date": dt.date(2022, 11, 2)}, "injury_date"),  # after the day received
        ({"hospital": "   "}, "hospital"),
        ({"injury_type": "burn"}, "injury_type"),
        ({"consent_to_contact": "maybe"}, "consent_to_contact"),
    ],
)
def test_bad_details_are_refused_naming_the_field(world, values, field) -> None:
    with pytest.raises(ValidationError) as refused:
        referral_of(world["own"], world["peer"], **values)
    assert field in refused.value.message_dict
    assert Referral.objects.count() == 0


def test_days_in_the_future_are_refused(world) -> None:
    later = timezone.localdate(timezone=DENVER) + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        referral_of(world["own"], world["peer"], received_on=later, injury_date=INJURED)
    assert "received_on" in refused.value.message_dict
    assert Referral.objects.count() == 0


def test_nothing_is_recorded_when_the_audit_cannot_be_written(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError):
        referral_of(world["own"], world["peer"])
    assert HospitalReferral.objects.count() == 0 and Referral.objects.count() == 0


# --- receiving from a hospital's system ----------------------------------------------------------------


def _receive(world, key="UNMH-1", person_key="UNMH-P-1"):
    return hospital_referral_receive(
        actor=world["integration"],
        key=key,
        person={"key": person_key, "first_name": "Marco", "last_name": "Sandoval"},
        received_on=RECEIVED,
        hospital="UNM Hospital",
        injury_date=INJURED,
        injury_type="stabbing",
        clinical_notes="Laceration",
    )


def test_a_hospital_system_sends_one_by_key_once(world) -> None:
    made = _receive(world)
    assert made.referral.key == "UNMH-1"
    assert made.referral.person.key == "UNMH-P-1" and made.recorded_by_id == world["integration"].pk
    # The same patient again is matched, not added.
    again = _receive(world, key="UNMH-2")
    assert again.referral.person_id == made.referral.person_id
    assert Person.objects.filter(key="UNMH-P-1").count() == 1
    with pytest.raises(AlreadyReceivedError):
        _receive(world, key="UNMH-1", person_key="UNMH-P-9")
    assert not Person.objects.filter(key="UNMH-P-9").exists()


# --- changing ------------------------------------------------------------------------------------


def test_the_author_changes_the_details_as_of_the_version_opened_and_the_old_values_are_kept(world) -> None:
    made = referral_of(world["own"], world["peer"])
    trail = AuditTrail()
    changed = hospital_referral_update(
        actor=world["peer"],
        hospital_referral=made,
        expected_version=1,
        unit="Ward 5",
        clinical_notes="Discharged with a cast",
        reason="the unit was misheard",
    )
    stored = _fresh(changed)
    assert (stored.unit, stored.clinical_notes, stored.version) == ("Ward 5", "Discharged with a cast", 2)
    correction = Correction.objects.get()
    assert (correction.target_type, correction.target_id, correction.reason) == (
        "hospital.hospitalreferral",
        str(made.pk),
        "the unit was misheard",
    )
    assert correction.previous == {"unit": "Trauma ICU"}
    # The clinical notes replaced are kept, encrypted, with the other protected values.
    assert json.loads(correction.previous_protected) == {"clinical_notes": "Through-and-through wound, left thigh"}
    assert trail.actions() == [("hospitalreferral.correct", "success")]


def test_a_stale_version_is_a_conflict_and_the_first_change_stands(world) -> None:
    made = referral_of(world["own"], world["peer"])
    hospital_referral_update(actor=world["peer"], hospital_referral=_fresh(made), expected_version=1, unit="Ward 5")
    with pytest.raises(ConflictError):
        hospital_referral_update(actor=world["peer"], hospital_referral=_fresh(made), expected_version=1, unit="ICU")
    assert _fresh(made).unit == "Ward 5"


def test_answering_consent_without_its_day_takes_today_and_unasking_clears_it(world) -> None:
    made = referral_of(world["own"], world["peer"])
    answered = hospital_referral_update(
        actor=world["peer"], hospital_referral=made, expected_version=1, consent_to_contact="no"
    )
    assert (answered.consent_to_contact, answered.consent_recorded_on) == ("no", timezone.localdate(timezone=DENVER))
    cleared = hospital_referral_update(
        actor=world["peer"], hospital_referral=answered, expected_version=2, consent_to_contact="not_asked"
    )
    assert cleared.consent_recorded_on is None


def test_a_consent_day_before_the_injury_is_refused(world) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(ValidationError) as refused:
        hospital_referral_update(
            actor=world["peer"],
            hospital_referral=made,
            expected_version=1,
            consent_to_contact="yes",
            consent_recorded_on=INJURED - dt.timedelta(days=3),
        )
    assert "consent_recorded_on" in refused.value.message_dict


def test_a_manager_changes_what_they_see_but_never_the_clinical_notes(world) -> None:
    made = referral_of(world["own"], world["peer"])
    changed = hospital_referral_update(
        actor=world["manager"], hospital_referral=made, expected_version=1, admitted=False
    )
    assert _fresh(changed).admitted is False
    with pytest.raises(ValidationError, match="clinical_notes"):
        hospital_referral_update(
            actor=world["manager"], hospital_referral=_fresh(made), expected_version=2, clinical_notes="x"
        )
    assert _fresh(made).clinical_notes == "Through-and-through wound, left thigh"


@pytest.mark.parametrize("who", ["other_peer", "police", "analyst", "integration"])
def test_only_the_author_or_a_manager_changes_the_details(world, who) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(PermissionDenied):
        hospital_referral_update(actor=world[who], hospital_referral=made, expected_version=1, unit="X")
    assert _fresh(made).unit == "Trauma ICU"


def test_fields_that_are_not_the_hospitals_details_are_refused(world) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(ValidationError, match="recorded_by"):
        hospital_referral_update(
            actor=world["peer"], hospital_referral=made, expected_version=1, recorded_by=world["other_peer"]
        )


# --- bedside visits --------------------------------------------------------------------------------


def test_a_visit_that_reached_the_patient_records_their_consent_in_the_same_transaction(world) -> None:
    made = referral_of(world["own"], world["peer"])
    trail = AuditTrail()
    visit = visit_to(made, world["peer"], consent_given=True)
    assert (visit.by_id, visit.outcome, visit.consent_given) == (world["peer"].pk, "reached", True)
    stored = _fresh(made)
    assert (stored.consent_to_contact, stored.consent_recorded_on) == ("yes", VISITED.date())
    assert trail.actions() == [("hospital.bedside_visit", "success"), ("hospital_referral.consent", "success")]
    assert "brother" not in json.dumps(trail.events()[0].changes)  # what was said is not in the audit


def test_an_older_visit_entered_late_does_not_overwrite_a_later_answer(world) -> None:
    made = referral_of(world["own"], world["peer"])
    visit_to(made, world["peer"], consent_given=True)
    visit_to(made, world["peer"], attempted_at=VISITED - dt.timedelta(days=1), consent_given=False)
    assert _fresh(made).consent_to_contact == "yes"
    visit_to(made, world["peer"], attempted_at=VISITED + dt.timedelta(days=1), consent_given=False)
    assert (_fresh(made).consent_to_contact, _fresh(made).consent_recorded_on) == (
        "no",
        (VISITED + dt.timedelta(days=1)).date(),
    )


def test_a_visit_that_did_not_reach_the_patient_records_no_consent(world) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(ValidationError) as refused:
        visit_to(made, world["peer"], outcome="family_only", consent_given=True)
    assert "consent_given" in refused.value.message_dict
    visit_to(made, world["peer"], outcome="family_only")
    assert _fresh(made).consent_to_contact == "not_asked"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"attempted_at": dt.datetime(2022, 11, 3, 10, 30)}, "attempted_at"),  # no time zone
        ({"attempted_at": dt.datetime(2022, 10, 31, 22, 0, tzinfo=DENVER)}, "attempted_at"),  # before received
        ({"outcome": "lost"}, "outcome"),
        ({"outcome": "declined", "consent_given": True}, "consent_given"),
    ],
)
def test_bad_visits_are_refused_naming_the_field(world, values, field) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(ValidationError) as refused:
        visit_to(made, world["peer"], **values)
    assert field in refused.value.message_dict
    assert BedsideVisit.objects.count() == 0


def test_a_visit_in_the_future_is_refused(world) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(ValidationError) as refused:
        visit_to(made, world["peer"], attempted_at=timezone.now() + dt.timedelta(hours=3))
    assert "attempted_at" in refused.value.message_dict


def test_the_assigned_peer_visits_before_the_person_is_on_their_caseload(world) -> None:
    made = referral_of(world["nobody"], world["manager"])
    with pytest.raises(PermissionDenied):
        visit_to(made, world["peer"])  # not theirs yet
    referral_assign(actor=world["manager"], referral=made.referral, assignee=world["peer"])
    visit = visit_to(_fresh(made), world["peer"], consent_given=True)
    assert visit.by_id == world["peer"].pk
    assert world["nobody"].assigned_peer_id is None  # the bedside comes before the caseload


@pytest.mark.parametrize("who", ["other_peer", "police", "analyst", "admin", "integration"])
def test_who_does_not_see_the_referral_records_no_visit(world, who) -> None:
    made = referral_of(world["own"], world["peer"])
    with pytest.raises(PermissionDenied):
        visit_to(made, world[who])
    assert BedsideVisit.objects.count() == 0


def test_a_voided_referral_takes_no_visit_and_no_change(world) -> None:
    made = referral_of(world["own"], world["peer"])
    voided = hospital_referral_void(actor=world["peer"], hospital_referral=made, reason="duplicate", expected_version=1)
    assert voided.voided_at is not None
    with pytest.raises(ValidationError):
        visit_to(voided, world["peer"])
    with pytest.raises(ValidationError):
        hospital_referral_update(actor=world["peer"], hospital_referral=voided, expected_version=2, unit="X")


# --- voiding ---------------------------------------------------------------------------------------


def test_the_author_voids_a_visit_with_a_reason_and_it_is_kept(world) -> None:
    visit = visit_to(referral_of(world["own"], world["peer"]), world["peer"])
    trail = AuditTrail()
    voided = bedside_visit_void(actor=world["peer"], visit=visit, reason="the wrong patient", expected_version=1)
    assert voided.voided_at is not None and BedsideVisit.objects.filter(pk=visit.pk).exists()
    correction = Correction.objects.get()
    assert (correction.kind, correction.target_type, correction.reason) == (
        "voided",
        "hospital.bedsidevisit",
        "the wrong patient",
    )
    assert trail.actions() == [("bedsidevisit.void", "success")]


def test_voiding_needs_a_reason_the_author_or_a_manager_and_the_current_version(world) -> None:
    visit = visit_to(referral_of(world["own"], world["peer"]), world["peer"])
    with pytest.raises(ValidationError):
        bedside_visit_void(actor=world["peer"], visit=visit, reason="  ", expected_version=1)
    for who in ("other_peer", "police", "analyst"):
        with pytest.raises(PermissionDenied):
            bedside_visit_void(actor=world[who], visit=visit, reason="no", expected_version=1)
    with pytest.raises(ConflictError):
        bedside_visit_void(actor=world["manager"], visit=visit, reason="wrong", expected_version=7)
    assert _fresh(visit).voided_at is None
    bedside_visit_void(actor=world["manager"], visit=_fresh(visit), reason="wrong", expected_version=1)
    assert _fresh(visit).voided_at is not None
