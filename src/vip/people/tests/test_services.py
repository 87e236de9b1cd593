"""The single-record services of the workflow, their rules and the wall in selectors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from vip.casework.selectors import case_note_list
from vip.casework.services import case_note_write, needs_assessment_record
from vip.core.errors import ConflictError
from vip.core.models import Area, ServiceCategory
from vip.identification.choices import CandidateStatus
from vip.identification.models import Candidate
from vip.identification.services import (
    Reason,
    candidate_decide,
    candidate_propose,
    candidates_expire,
    incident_record,
    involvement_add,
    review_identify,
    shooting_review_create,
)
from vip.notifications.selectors import attempt_list, notification_list
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.outcomes.services import outcome_record
from vip.people.models import Person
from vip.people.selectors import person_get, person_list
from vip.people.services import person_assign_peer, person_create, person_update
from vip.referrals.services import referral_accept, referral_assign, referral_close, referral_create
from vip.service_referrals.selectors import service_referral_list
from vip.service_referrals.services import service_referral_create, service_referral_move

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def team(make_user):
    return {role: make_user(role) for role in ("peer", "police", "manager", "analyst", "admin")}


@pytest.fixture
def person(program, team) -> Person:
    p = person_create(actor=team["manager"], first_name="Ana", last_name="García", date_of_birth=dt.date(2001, 5, 6))
    return person_assign_peer(actor=team["manager"], person=p, peer=team["peer"])


def test_row_25_two_editors_of_one_record_the_second_gets_a_conflict(person, team) -> None:
    version = person.version
    first = Person.objects.get(pk=person.pk)
    second = Person.objects.get(pk=person.pk)
    person_update(actor=team["manager"], person=first, expected_version=version, phone="505-555-0100")
    with pytest.raises(ConflictError, match="changed by someone else"):
        person_update(actor=team["peer"], person=second, expected_version=version, phone="505-555-0199")
    assert Person.objects.get(pk=person.pk).phone == "505-555-0100"


def test_person_update_refuses_fields_it_does_not_own(person, team) -> None:
    with pytest.raises(ValidationError, match="assigned_peer"):
        person_update(actor=team["manager"], person=person, expected_version=person.version, assigned_peer=None)


def test_peers_see_only_their_caseload_and_analysts_no_people(person, team, make_user) -> None:
    other_peer = make_user("peer")
    assert list(person_list(user=team["peer"])) == [person]
    assert list(person_list(user=other_peer)) == []
    with pytest.raises(Person.DoesNotExist):
        person_get(user=other_peer, person_id=person.pk)
    for role in ("analyst", "admin"):
        with pytest.raises(PermissionDenied):
            person_list(user=team[role])


def test_referral_queue(person, team) -> None:
    referral = referral_create(
        actor=team["manager"], person=person, received_on=dt.date(2022, 11, 1), source="hospital", referred_by="UNMH"
    )
    referral = referral_assign(actor=team["manager"], referral=referral, assignee=team["peer"])
    referral = referral_accept(actor=team["peer"], referral=referral)
    assert referral.status == "accepted"
    with pytest.raises(ValidationError, match="before it was received"):
        referral_close(actor=team["peer"], referral=referral, closed_on=dt.date(2022, 10, 1), reason="notified")
    referral = referral_close(actor=team["peer"], referral=referral, closed_on=dt.date(2022, 11, 9), reason="notified")
    assert (referral.status, referral.close_reason) == ("closed", "notified")
    with pytest.raises(PermissionDenied):
        referral_assign(actor=team["peer"], referral=referral, assignee=team["peer"])


def test_notification_attempts_and_the_legal_assessment_wall(person, team) -> None:
    plan = notification_plan(
        actor=team["manager"], person=person, planned_on=dt.date(2022, 11, 3), team=[team["peer"], team["police"]]
    )
    with pytest.raises(PermissionDenied):
        legal_assessment_write(actor=team["peer"], notification=plan, text="x", expected_version=plan.version)
    legal_assessment_write(
        actor=team["police"], notification=plan, text="LEGAL-CANARY exposure", expected_version=plan.version
    )
    attempt_record(
        actor=team["peer"],
        person=person,
        notification=plan,
        attempted_at=dt.datetime(2022, 11, 3, 18, 0, tzinfo=DENVER),
        outcome="not_found",
        team={"peer_support", "police"},
    )
    delivered = attempt_record(
        actor=team["peer"],
        person=person,
        notification=plan,
        attempted_at=dt.datetime(2022, 11, 30, 23, 30, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support", "police", "community_leader"},
        legal_risk_explained=True,
        offer_of_help=True,
        letter_given=True,
        notes="PEER-CANARY mother present",
    )
    assert delivered.attempted_on == dt.date(2022, 11, 30)
    plan.refresh_from_db()
    assert plan.status == "delivered"
    # The wall: the peer never reads the legal assessment; police never read peer notes.
    assert [n.legal_assessment for n in notification_list(user=team["peer"])] == [""]
    assert [n.legal_assessment for n in notification_list(user=team["police"])] == ["LEGAL-CANARY exposure"]
    assert {a.notes for a in attempt_list(user=team["police"])} == {""}
    assert "PEER-CANARY mother present" in {a.notes for a in attempt_list(user=team["peer"])}
    with pytest.raises(TypeError, match="masked"):
        attempt_list(user=team["police"]).values("notes")


def test_casework_stays_with_the_assigned_peer(person, team, make_user) -> None:
    needs_assessment_record(
        actor=team["peer"], person=person, assessed_on=dt.date(2022, 11, 4), needs={"housing": "urgent"}
    )
    case_note_write(actor=team["peer"], person=person, text="NOTE-CANARY")
    with pytest.raises(PermissionDenied):
        case_note_write(actor=make_user("peer"), person=person, text="not my caseload")
    with pytest.raises(PermissionDenied):
        case_note_write(actor=team["police"], person=person, text="x")
    for role in ("police", "analyst"):
        with pytest.raises(PermissionDenied):
            case_note_list(user=team[role])
    assert [n.text for n in case_note_list(user=team["peer"])] == ["NOTE-CANARY"]
    # A manager sees that a note was written, never its text (docs/permissions.md).
    assert [(n.author_id, n.text) for n in case_note_list(user=team["manager"])] == [(team["peer"].pk, "")]


def test_service_referral_moves_through_its_statuses(person, team) -> None:
    housing = ServiceCategory.objects.get(code="housing")
    referral = service_referral_create(
        actor=team["peer"], person=person, category=housing, referred_on=dt.date(2022, 11, 4), provider="Casa"
    )
    with pytest.raises(ValidationError, match="before the referral was made"):
        service_referral_move(
            actor=team["peer"],
            referral=referral,
            status="connected",
            on=dt.date(2022, 11, 1),
            expected_version=referral.version,
        )
    referral = service_referral_move(
        actor=team["peer"],
        referral=referral,
        status="connected",
        on=dt.date(2022, 11, 10),
        expected_version=referral.version,
    )
    with pytest.raises(ValidationError, match="cannot become referred"):
        service_referral_move(
            actor=team["peer"],
            referral=referral,
            status="referred",
            on=dt.date(2022, 11, 11),
            expected_version=referral.version,
        )
    referral = service_referral_move(
        actor=team["peer"],
        referral=referral,
        status="completed",
        on=dt.date(2022, 12, 1),
        expected_version=referral.version,
    )
    assert (referral.connected_on, referral.closed_on) == (dt.date(2022, 11, 10), dt.date(2022, 12, 1))
    assert list(referral.history.values_list("status", flat=True)) == ["referred", "connected", "completed"]


def test_health_referrals_never_reach_police(person, team) -> None:
    sud = ServiceCategory.objects.get(code="substance_use")
    service_referral_create(
        actor=team["peer"], person=person, category=sud, referred_on=dt.date(2022, 11, 4), provider="SUD-CANARY clinic"
    )
    assert list(service_referral_list(user=team["police"])) == []
    assert [r.provider for r in service_referral_list(user=team["manager"])] == [""]
    assert [r.provider for r in service_referral_list(user=team["peer"])] == ["SUD-CANARY clinic"]


def test_row_28_candidates_need_reasons_a_second_person_and_expire(person, team, make_user) -> None:
    with pytest.raises(ValidationError, match="at least one reason"):
        candidate_propose(actor=team["police"], person=person, reasons=[])
    incident = incident_record(
        actor=team["police"],
        key="22-104455",
        occurred_at=dt.datetime(2022, 10, 3, 1, 0, tzinfo=DENVER),
        type="shooting",
        area=Area.objects.get(code="southeast"),
    )
    involvement_add(actor=team["police"], incident=incident, person=person, role="victim")
    candidate = candidate_propose(
        actor=team["police"],
        person=person,
        reasons=[
            Reason(
                "shot_90_days",
                "gunshot victim on 2022-10-03, incident 22-104455",
                "identification.incident",
                incident.key,
            )
        ],
    )
    with pytest.raises(PermissionDenied):  # police propose; only program managers decide
        candidate_decide(actor=team["police"], candidate=candidate, approve=True, reason="ok")
    candidate = candidate_decide(actor=team["manager"], candidate=candidate, approve=True, reason="meets criteria")
    assert candidate.status == CandidateStatus.APPROVED
    assert candidates_expire(actor=None, today=candidate.expires_on) == 0
    assert candidates_expire(actor=None, today=candidate.expires_on + dt.timedelta(days=1)) == 1
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.EXPIRED


def test_row_28_the_database_refuses_self_approval_too(person, team) -> None:
    candidate = candidate_propose(
        actor=team["police"],
        person=person,
        reasons=[Reason("manual", "named at review", "identification.shootingreview", "1")],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.filter(pk=candidate.pk).update(
            status="approved", decided_by=team["police"], decision_reason="x"
        )


def test_shooting_review_and_outcomes(person, team) -> None:
    review = shooting_review_create(
        actor=team["police"], held_on=dt.date(2022, 11, 2), agencies_present="APD, DA, UNMH"
    )
    review_identify(
        actor=team["police"], review=review, person=person, role="associate_at_risk", decision="propose_candidate"
    )
    assert review.identifications.count() == 1
    with pytest.raises(PermissionDenied):
        shooting_review_create(actor=team["peer"], held_on=dt.date(2022, 11, 2))
    outcome = outcome_record(
        actor=team["police"], person=person, occurred_on=dt.date(2022, 12, 1), type="arrest_firearm"
    )
    assert outcome.key.startswith("O-")
    with pytest.raises(PermissionDenied):
        outcome_record(actor=team["peer"], person=person, occurred_on=dt.date(2022, 12, 1), type="shot")
