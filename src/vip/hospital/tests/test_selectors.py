"""Reading hospital referrals and bedside visits, role by role: peer workers their caseload's and
those assigned to them; managers all, without the health details or what was said at a visit;
police, analysts, administrators and integrations none (the wall)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from vip.hospital.selectors import (
    bedside_visit_list,
    first_visits,
    hospital_referral_get,
    hospital_referral_list,
    hours_to_visit,
)
from vip.hospital.services import bedside_visit_void, hospital_referral_void
from vip.referrals.services import referral_assign

from .conftest import DENVER, RECEIVED, VISITED, referral_of, visit_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    own = referral_of(world["own"], world["peer"])
    elsewhere = referral_of(world["elsewhere"], world["other_peer"])
    nobody = referral_of(world["nobody"], world["manager"])
    visit_to(own, world["peer"], notes="SAID-AT-THE-BEDSIDE")
    return {"own": own, "elsewhere": elsewhere, "nobody": nobody}


def _ids(queryset) -> set[int]:
    return {r.pk for r in queryset}


def test_a_peer_sees_their_caseloads_and_then_those_assigned_to_them(world, records) -> None:
    assert _ids(hospital_referral_list(user=world["peer"])) == {records["own"].pk}
    assert _ids(hospital_referral_list(user=world["other_peer"])) == {records["elsewhere"].pk}
    referral_assign(actor=world["manager"], referral=records["nobody"].referral, assignee=world["peer"])
    assert _ids(hospital_referral_list(user=world["peer"])) == {records["own"].pk, records["nobody"].pk}
    visit = visit_to(records["nobody"], world["peer"])
    assert visit.pk in _ids(bedside_visit_list(user=world["peer"]))
    assert visit.pk not in _ids(bedside_visit_list(user=world["other_peer"]))


def test_a_peer_reads_the_clinical_notes_and_what_was_said(world, records) -> None:
    mine = hospital_referral_get(user=world["peer"], hospital_referral_id=records["own"].pk)
    assert mine.clinical_notes == "Through-and-through wound, left thigh"
    assert [v.notes for v in bedside_visit_list(user=world["peer"])] == ["SAID-AT-THE-BEDSIDE"]


def test_a_manager_sees_every_one_without_the_health_details_or_what_was_said(world, records) -> None:
    found = list(hospital_referral_list(user=world["manager"]))
    assert {r.pk for r in found} == {r.pk for r in records.values()}
    assert {r.clinical_notes for r in found} == {""}
    assert {r.referring_staff for r in found} == {"Nurse Ortiz"}  # identifying: managers see it
    assert [v.notes for v in bedside_visit_list(user=world["manager"])] == [""]
    with pytest.raises(TypeError):
        hospital_referral_list(user=world["manager"]).values("clinical_notes")


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_no_other_role_sees_any(world, records, role) -> None:
    with pytest.raises(PermissionDenied):
        hospital_referral_list(user=world[role])
    with pytest.raises(PermissionDenied):
        bedside_visit_list(user=world[role])


def test_voided_ones_only_when_asked(world, records) -> None:
    hospital_referral_void(
        actor=world["peer"], hospital_referral=records["own"], reason="duplicate", expected_version=1
    )
    assert _ids(hospital_referral_list(user=world["peer"])) == set()
    assert _ids(hospital_referral_list(user=world["peer"], include_voided=True)) == {records["own"].pk}
    assert hospital_referral_get(user=world["peer"], hospital_referral_id=records["own"].pk).voided_at is not None


def test_hours_to_a_visit_count_from_the_start_of_the_day_received() -> None:
    assert hours_to_visit(RECEIVED, VISITED, DENVER) == 58.5
    # Across the change to winter time (6 November 2022 in Denver): a 25-hour day.
    assert hours_to_visit(dt.date(2022, 11, 6), dt.datetime(2022, 11, 7, 0, 0, tzinfo=DENVER), DENVER) == 25


def test_the_first_visit_and_the_median_leave_voided_visits_out(world, records) -> None:
    own = records["own"]
    later = visit_to(own, world["peer"], attempted_at=VISITED + dt.timedelta(hours=2))
    first = first_visits(user=world["peer"], referrals=hospital_referral_list(user=world["peer"]))
    assert first.hours == {own.pk: 58.5}
    earliest = bedside_visit_list(user=world["peer"]).filter(hospital_referral=own).first()
    bedside_visit_void(actor=world["peer"], visit=earliest, reason="wrong patient", expected_version=1)
    first = first_visits(user=world["peer"], referrals=[own])
    assert first.at == {own.pk: later.attempted_at}
    assert first.hours == {own.pk: 60.5}
    visit_to(records["nobody"], world["manager"], attempted_at=VISITED + dt.timedelta(hours=10))
    managers = first_visits(user=world["manager"], referrals=hospital_referral_list(user=world["manager"]))
    assert managers.hours == {own.pk: 60.5, records["nobody"].pk: 68.5}
    assert managers.median() == 64.5
    assert first_visits(user=world["other_peer"], referrals=[]).median() is None
