"""Custom notification services: planning, the legal assessment (police only), attempts.

Each write records exactly one audit event of its own action (a delivered attempt also marks
its planned notification delivered); a refused one writes nothing and records nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import (
    DENVER,
    AuditTrail,
    NotificationFactory,
    ReferralFactory,
    audit_store_down,
)
from vip.audit.services import REDACTED
from vip.core.errors import ConflictError
from vip.core.models import Area
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan

pytestmark = pytest.mark.django_db

NOV_3 = dt.date(2022, 11, 3)
EVENING = dt.datetime(2022, 11, 3, 18, 30, tzinfo=DENVER)


def _fresh(notification: CustomNotification) -> CustomNotification:
    return CustomNotification.objects.get(pk=notification.pk)


# --- notification_plan -----------------------------------------------------------------------------


def test_plan_writes_what_was_asked_and_audits_it_once(world) -> None:
    referral = ReferralFactory(person=world["own"])
    trail = AuditTrail()
    plan = notification_plan(
        actor=world["manager"],
        person=world["own"],
        planned_on=NOV_3,
        team=[world["peer"], world["police"]],
        referral=referral,
    )
    stored = _fresh(plan)
    assert (stored.person_id, stored.planned_on, stored.status, stored.referral_id) == (
        world["own"].pk,
        NOV_3,
        "planned",
        referral.pk,
    )
    assert stored.area == Area.objects.get(code="valley")  # the person's, when none is given
    assert set(stored.team.all()) == {world["peer"], world["police"]}
    assert (stored.legal_assessment, stored.legal_assessment_by_id) == ("", None)
    event = trail.single()
    assert (event.action, event.outcome, event.object_type, event.object_id, event.actor_id) == (
        "notification.plan",
        "success",
        "notifications.customnotification",
        str(plan.pk),
        world["manager"].pk,
    )
    assert (event.changes["planned_on"], event.changes["person"]) == ("2022-11-03", world["own"].pk)


def test_plan_in_another_area_than_the_persons(world) -> None:
    foothills = Area.objects.get(code="foothills")
    plan = notification_plan(actor=world["police"], person=world["own"], planned_on=NOV_3, area=foothills)
    assert (_fresh(plan).area_id, _fresh(plan).team.count()) == (foothills.pk, 0)


@pytest.mark.parametrize(("role", "person"), [("peer", "own"), ("peer", "elsewhere"), ("police", "own")])
def test_plan_is_open_to_staff_for_anyone(world, role, person) -> None:
    # notification.plan is "any record" for peers, police and managers.
    plan = notification_plan(actor=world[role], person=world[person], planned_on=NOV_3)
    assert _fresh(plan).person_id == world[person].pk


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_plan_is_refused_to_other_roles_and_writes_nothing(world, role) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not plan custom notifications"):
        notification_plan(actor=world[role], person=world["own"], planned_on=NOV_3)
    assert CustomNotification.objects.count() == 0
    assert trail.events() == []


def test_plan_refuses_a_missing_date(world) -> None:
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="cannot be null"):
        notification_plan(actor=world["manager"], person=world["own"], planned_on=None)
    assert CustomNotification.objects.count() == 0
    assert trail.events() == []


def test_plan_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        notification_plan(actor=world["manager"], person=world["own"], planned_on=NOV_3, team=[world["peer"]])
    assert CustomNotification.objects.count() == 0


# --- legal_assessment_write ------------------------------------------------------------------------


def test_police_write_the_legal_assessment_and_its_text_stays_out_of_the_audit(world) -> None:
    plan = NotificationFactory(person=world["own"])
    trail = AuditTrail()
    written = legal_assessment_write(
        actor=world["police"], notification=plan, text="Two open firearm cases", expected_version=1
    )
    stored = _fresh(written)
    assert (stored.legal_assessment, stored.legal_assessment_by_id, stored.version) == (
        "Two open firearm cases",
        world["police"].pk,
        2,
    )
    event = trail.single()
    assert (event.action, event.object_id, event.actor_id) == (
        "notification.legal_assessment",
        str(plan.pk),
        world["police"].pk,
    )
    assert event.changes == {
        "legal_assessment": [REDACTED, REDACTED],
        "legal_assessment_by": [None, world["police"].pk],
    }


@pytest.mark.parametrize("role", ["peer", "manager", "analyst", "admin", "integration"])
def test_only_police_write_the_legal_assessment(world, role) -> None:
    plan = NotificationFactory(person=world["own"], legal_assessment="Police text")
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not write legal assessments"):
        legal_assessment_write(actor=world[role], notification=plan, text="Overwritten", expected_version=plan.version)
    stored = _fresh(plan)
    assert (stored.legal_assessment, stored.legal_assessment_by_id, stored.version) == ("Police text", None, 2)
    assert trail.events() == []


def test_of_two_police_editors_the_second_gets_a_conflict(world) -> None:
    plan = NotificationFactory(person=world["own"])
    first, second = _fresh(plan), _fresh(plan)
    legal_assessment_write(actor=world["police"], notification=first, text="First", expected_version=1)
    trail = AuditTrail()
    with pytest.raises(ConflictError, match="changed by someone else"):
        legal_assessment_write(actor=world["police"], notification=second, text="Second", expected_version=1)
    assert _fresh(plan).legal_assessment == "First"
    assert trail.events() == []


# --- attempt_record --------------------------------------------------------------------------------


def test_a_delivered_attempt_is_recorded_and_delivers_its_planned_notification(world) -> None:
    referral = ReferralFactory(person=world["own"])
    plan = NotificationFactory(person=world["own"], referral=referral)
    area = Area.objects.get(code="southeast")
    trail = AuditTrail()
    attempt = attempt_record(
        actor=world["peer"],
        person=world["own"],
        notification=plan,
        # Late in the evening in Albuquerque: already the next day in UTC.
        attempted_at=dt.datetime(2022, 11, 30, 23, 30, tzinfo=DENVER),
        outcome="delivered",
        team={"peer_support", "police", "community_leader"},
        area=area,
        legal_risk_explained=True,
        offer_of_help=True,
        letter_given=False,
        notes="Mother present",
        key="N-TEST-1",
    )
    stored = NotificationAttempt.objects.get(pk=attempt.pk)
    assert (stored.key, stored.person_id, stored.notification_id, stored.referral_id) == (
        "N-TEST-1",
        world["own"].pk,
        plan.pk,
        referral.pk,  # the planned notification's referral
    )
    assert (stored.attempted_on, stored.attempted_at) == (
        dt.date(2022, 11, 30),
        dt.datetime(2022, 12, 1, 6, 30, tzinfo=dt.UTC),
    )
    assert (stored.outcome, stored.team_roles, stored.area_id) == (
        "delivered",
        ["peer_support", "police", "community_leader"],
        area.pk,
    )
    assert (stored.legal_risk_explained, stored.offer_of_help, stored.letter_given, stored.notes) == (
        True,
        True,
        False,
        "Mother present",
    )
    assert _fresh(plan).status == "delivered"
    events = trail.events()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("notification.attempt", "notifications.notificationattempt", str(attempt.pk)),
        ("notification.delivered", "notifications.customnotification", str(plan.pk)),
    ]
    assert events[0].changes["notes"] == REDACTED  # casework content never enters the audit trail
    assert events[1].changes == {"status": ["planned", "delivered"]}


def test_an_attempt_that_did_not_reach_the_person_leaves_the_plan_planned(world) -> None:
    plan = NotificationFactory(person=world["own"])
    trail = AuditTrail()
    attempt = attempt_record(
        actor=world["police"],
        person=world["own"],
        notification=plan,
        attempted_at=EVENING,
        outcome="not_found",
        team={"police"},
    )
    assert (attempt.outcome, attempt.team_roles, attempt.key[:2]) == ("not_found", ["police"], "N-")
    assert (attempt.legal_risk_explained, attempt.offer_of_help, attempt.letter_given) == (None, None, None)
    assert _fresh(plan).status == "planned"
    assert trail.actions() == [("notification.attempt", "success")]


def test_an_attempt_without_a_plan(world) -> None:
    attempt = attempt_record(
        actor=world["manager"], person=world["elsewhere"], attempted_at=EVENING, outcome="refused", team=set()
    )
    stored = NotificationAttempt.objects.get(pk=attempt.pk)
    assert (stored.notification_id, stored.referral_id, stored.team_roles, stored.attempted_on) == (
        None,
        None,
        [],
        NOV_3,
    )


def _attempt(world: dict[str, Any], **values: Any) -> NotificationAttempt:
    arguments = {
        "actor": world["peer"],
        "person": world["own"],
        "attempted_at": EVENING,
        "outcome": "not_found",
        "team": {"peer_support"},
        **values,
    }
    return attempt_record(**arguments)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"attempted_at": dt.datetime(2022, 11, 3, 18, 30)}, "attempted_at must carry its time zone"),
        ({"team": {"peer_support", "neighbour"}}, "Unknown team roles: neighbour"),
        ({"outcome": "maybe"}, "Unknown outcome 'maybe'"),
        ({"key": "x" * 101}, "at most 100 characters"),
    ],
)
def test_attempt_refuses_bad_values_and_writes_nothing(world, values, message) -> None:
    plan = NotificationFactory(person=world["own"])
    trail = AuditTrail()
    with pytest.raises(ValidationError, match=message):
        _attempt(world, notification=plan, **{**values, "outcome": values.get("outcome", "delivered")})
    assert NotificationAttempt.objects.count() == 0
    assert _fresh(plan).status == "planned"
    assert trail.events() == []


def test_attempt_refuses_a_planned_notification_of_another_person(world) -> None:
    theirs = NotificationFactory(person=world["elsewhere"])
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="for different people"):
        _attempt(world, notification=theirs, outcome="delivered")
    assert NotificationAttempt.objects.count() == 0
    assert _fresh(theirs).status == "planned"
    assert trail.events() == []


def test_attempt_refuses_a_referral_of_another_person(world) -> None:
    theirs = ReferralFactory(person=world["elsewhere"])
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="the referral are for different people"):
        _attempt(world, referral=theirs, outcome="delivered")
    assert NotificationAttempt.objects.count() == 0
    assert trail.events() == []


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("police", "own"), ("manager", "own")])
def test_attempt_is_open_to_staff_for_anyone(world, role, person) -> None:
    # notification.attempt is "any record" for peers, police and managers (a visit's team).
    attempt = _attempt(world, actor=world[role], person=world[person])
    assert NotificationAttempt.objects.get(pk=attempt.pk).person_id == world[person].pk


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_attempt_is_refused_to_other_roles_and_writes_nothing(world, role) -> None:
    plan = NotificationFactory(person=world["own"])
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not record notification attempts"):
        _attempt(world, actor=world[role], notification=plan, outcome="delivered")
    assert NotificationAttempt.objects.count() == 0
    assert _fresh(plan).status == "planned"
    assert trail.events() == []


def test_attempt_and_its_audit_events_commit_together(world, monkeypatch) -> None:
    plan = NotificationFactory(person=world["own"])
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        _attempt(world, notification=plan, outcome="delivered")
    assert NotificationAttempt.objects.count() == 0
    assert _fresh(plan).status == "planned"
