"""Referral services: intake, assignment, acceptance, closing, and receiving one by key.

Each write records exactly one audit event of its own action; a refused one writes nothing and
records nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import AuditTrail, PersonFactory, ReferralFactory, audit_store_down
from vip.core.errors import AlreadyReceivedError
from vip.core.models import Area
from vip.people.models import Person
from vip.referrals.models import Referral
from vip.referrals.services import (
    referral_accept,
    referral_assign,
    referral_close,
    referral_create,
    referral_receive,
)

pytestmark = pytest.mark.django_db

NOV_1 = dt.date(2022, 11, 1)


def _fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _state(referral: Referral) -> tuple[Any, ...]:
    """What a refused write must leave as it was."""
    r = _fresh(referral)
    return (r.status, r.assigned_to_id, r.closed_on, r.close_reason, r.version)


# --- referral_create -------------------------------------------------------------------------------


def test_create_writes_what_was_asked_and_audits_it_once(world) -> None:
    area = Area.objects.get(code="valley")
    trail = AuditTrail()
    referral = referral_create(
        actor=world["manager"],
        person=world["own"],
        received_on=NOV_1,
        source="school",
        referred_by="Valley High School",
        area=area,
        reason="Threatened after a fight",
        key="R-SCHOOL-1",
    )
    stored = _fresh(referral)
    assert (stored.key, stored.person_id, stored.received_on, stored.source) == (
        "R-SCHOOL-1",
        world["own"].pk,
        NOV_1,
        "school",
    )
    assert (stored.referred_by, stored.area_id, stored.reason) == (
        "Valley High School",
        area.pk,
        "Threatened after a fight",
    )
    assert (stored.status, stored.assigned_to_id, stored.closed_on, stored.close_reason) == ("received", None, None, "")
    event = trail.single()
    assert (event.action, event.outcome, event.object_type, event.object_id) == (
        "referral.create",
        "success",
        "referrals.referral",
        str(referral.pk),
    )
    assert (event.actor_id, event.actor_role) == (world["manager"].pk, "manager")
    assert event.changes["source"] == "school"
    assert event.changes["person"] == world["own"].pk


def test_create_makes_a_key_when_none_is_given(world) -> None:
    referral = referral_create(actor=world["police"], person=world["own"], received_on=NOV_1, source="hospital")
    assert referral.key.startswith("R-")
    assert len(referral.key) == len("R-") + 12


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"source": "carrier_pigeon"}, "is not a valid choice"),
        ({"received_on": None}, "cannot be null"),
        ({"referred_by": "x" * 201}, "at most 200 characters"),
    ],
)
def test_create_refuses_bad_values_and_writes_nothing(world, values, message) -> None:
    trail = AuditTrail()
    arguments = {"person": world["own"], "received_on": NOV_1, "source": "hospital", **values}
    with pytest.raises(ValidationError, match=message):
        referral_create(actor=world["manager"], **arguments)
    assert Referral.objects.count() == 0
    assert trail.events() == []


def test_create_refuses_a_key_already_used(world) -> None:
    ReferralFactory(person=world["own"], key="R-DUP")
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="already exists"):
        referral_create(
            actor=world["manager"], person=world["nobody"], received_on=NOV_1, source="hospital", key="R-DUP"
        )
    assert list(Referral.objects.values_list("person_id", flat=True)) == [world["own"].pk]
    assert trail.events() == []


@pytest.mark.parametrize("role", ["police", "manager", "integration"])
def test_create_is_open_to_the_roles_the_policy_names_for_anyone(world, role) -> None:
    # referral.create is "any record" for these roles.
    referral = referral_create(actor=world[role], person=world["elsewhere"], received_on=NOV_1, source="community")
    assert _fresh(referral).person_id == world["elsewhere"].pk


def test_a_peer_refers_only_their_own_caseload(world) -> None:
    # As on the web, where a peer reaches no one else's person page: on every channel.
    referral = referral_create(actor=world["peer"], person=world["own"], received_on=NOV_1, source="community")
    assert _fresh(referral).person_id == world["own"].pk
    trail = AuditTrail()
    for person in ("elsewhere", "nobody"):
        with pytest.raises(PermissionDenied, match="not on your caseload"):
            referral_create(actor=world["peer"], person=world[person], received_on=NOV_1, source="community")
    assert Referral.objects.count() == 1
    assert trail.events() == []


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_create_is_refused_to_other_roles_and_writes_nothing(world, role) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not record referrals"):
        referral_create(actor=world[role], person=world["own"], received_on=NOV_1, source="hospital")
    assert Referral.objects.count() == 0
    assert trail.events() == []


def test_create_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        referral_create(actor=world["manager"], person=world["own"], received_on=NOV_1, source="hospital")
    assert Referral.objects.count() == 0


# --- referral_assign -------------------------------------------------------------------------------


def test_assign_gives_the_referral_to_the_assignee(world) -> None:
    referral = ReferralFactory(person=world["nobody"])
    assert referral.version == 1
    trail = AuditTrail()
    assigned = referral_assign(actor=world["manager"], referral=referral, assignee=world["peer"])
    stored = _fresh(assigned)
    assert (stored.status, stored.assigned_to_id, stored.version) == ("assigned", world["peer"].pk, 2)
    event = trail.single()
    assert (event.action, event.object_id, event.actor_id) == ("referral.assign", str(referral.pk), world["manager"].pk)
    assert event.changes == {"assigned_to": [None, world["peer"].pk], "status": ["received", "assigned"]}
    # Assigning does not put the person on anyone's caseload: accepting does.
    assert Person.objects.get(pk=world["nobody"].pk).assigned_peer_id is None


@pytest.mark.parametrize("assignee", ["police", "manager"])
def test_assign_to_any_program_staff(world, assignee) -> None:
    referral = referral_assign(actor=world["manager"], referral=ReferralFactory(), assignee=world[assignee])
    assert _fresh(referral).assigned_to_id == world[assignee].pk


@pytest.mark.parametrize("role", ["peer", "police", "analyst", "admin", "integration"])
def test_assign_is_for_managers_only(world, role) -> None:
    referral = ReferralFactory(person=world["own"])
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not assign referrals"):
        referral_assign(actor=world[role], referral=referral, assignee=world["peer"])
    assert _state(referral) == before
    assert trail.events() == []


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_assign_refuses_an_assignee_outside_program_staff(world, role) -> None:
    referral = ReferralFactory()
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="assigned to program staff"):
        referral_assign(actor=world["manager"], referral=referral, assignee=world[role])
    assert _state(referral) == before
    assert trail.events() == []


def test_assign_refuses_a_closed_referral(world) -> None:
    referral = ReferralFactory(closed_on=dt.date(2022, 11, 2), close_reason="duplicate")
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="A closed referral cannot be assigned"):
        referral_assign(actor=world["manager"], referral=referral, assignee=world["peer"])
    assert _state(referral) == before
    assert trail.events() == []


# --- referral_accept -------------------------------------------------------------------------------


def test_a_peer_accepting_takes_the_person_onto_their_caseload(world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    trail = AuditTrail()
    accepted = referral_accept(actor=world["peer"], referral=referral)
    assert _fresh(accepted).status == "accepted"
    assert Person.objects.get(pk=world["nobody"].pk).assigned_peer_id == world["peer"].pk
    # Two writes, each audited once: the caseload and the referral.
    events = trail.events()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("person.assign_peer", "people.person", str(world["nobody"].pk)),
        ("referral.accept", "referrals.referral", str(referral.pk)),
    ]
    assert {e.actor_id for e in events} == {world["peer"].pk}
    assert events[1].changes == {"status": ["assigned", "accepted"]}


def test_a_peer_cannot_accept_a_referral_of_a_person_on_another_caseload(world) -> None:
    referral = ReferralFactory(person=world["elsewhere"], assigned_to=world["peer"])
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="another peer support worker's caseload"):
        referral_accept(actor=world["peer"], referral=referral)
    assert Person.objects.get(pk=world["elsewhere"].pk).assigned_peer_id == world["other_peer"].pk
    assert _state(referral) == before
    assert trail.events() == []


def test_police_accepting_carry_no_caseload(world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["police"])
    trail = AuditTrail()
    referral_accept(actor=world["police"], referral=referral)
    assert _fresh(referral).status == "accepted"
    assert Person.objects.get(pk=world["nobody"].pk).assigned_peer_id is None
    assert trail.actions() == [("referral.accept", "success")]


def test_accept_refuses_a_referral_assigned_to_someone_else(world) -> None:
    referral = ReferralFactory(person=world["own"], assigned_to=world["other_peer"])
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="assigned to someone else"):
        referral_accept(actor=world["peer"], referral=referral)
    assert _state(referral) == before
    assert trail.events() == []


def test_a_manager_may_accept_on_the_assignees_behalf(world) -> None:
    referral = ReferralFactory(person=world["nobody"], assigned_to=world["peer"])
    referral_accept(actor=world["manager"], referral=referral)
    assert _fresh(referral).status == "accepted"
    # Only a peer accepting takes the person on: a manager does not put them on anyone's caseload.
    assert Person.objects.get(pk=world["nobody"].pk).assigned_peer_id is None


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({}, "received"),
        ({"assigned_to": "peer", "accepted": True}, "accepted"),
        ({"assigned_to": "peer", "closed_on": dt.date(2022, 11, 9)}, "closed"),
    ],
)
def test_accept_takes_only_an_assigned_referral(world, values, status) -> None:
    if "assigned_to" in values:
        values = {**values, "assigned_to": world[values["assigned_to"]]}
    referral = ReferralFactory(person=world["own"], **values)
    assert referral.status == status
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="Only an assigned referral can be accepted"):
        referral_accept(actor=world["peer"], referral=referral)
    assert _state(referral) == before
    assert trail.events() == []


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_accept_is_refused_to_roles_outside_the_program_staff(world, role) -> None:
    referral = ReferralFactory(person=world["own"], assigned_to=world["peer"])
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not accept referrals"):
        referral_accept(actor=world[role], referral=referral)
    assert _state(referral) == before
    assert trail.events() == []


# --- referral_close --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["peer", "police", "manager"])
def test_close_records_the_date_and_reason(world, role) -> None:
    referral = ReferralFactory(person=world["own"], assigned_to=world["peer"], accepted=True)
    trail = AuditTrail()
    closed = referral_close(actor=world[role], referral=referral, closed_on=dt.date(2022, 11, 20), reason="declined")
    stored = _fresh(closed)
    assert (stored.status, stored.closed_on, stored.close_reason) == ("closed", dt.date(2022, 11, 20), "declined")
    assert stored.assigned_to_id == world["peer"].pk  # closing keeps who had it
    event = trail.single()
    assert (event.action, event.object_id, event.actor_id) == ("referral.close", str(referral.pk), world[role].pk)
    assert event.changes == {
        "status": ["accepted", "closed"],
        "closed_on": [None, "2022-11-20"],
        "close_reason": ["", "declined"],
    }


def test_a_closed_referral_is_not_closed_again(world) -> None:
    referral = referral_close(
        actor=world["manager"], referral=ReferralFactory(received_on=NOV_1), closed_on=NOV_1, reason="duplicate"
    )
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="already closed"):
        referral_close(actor=world["manager"], referral=_fresh(referral), closed_on=NOV_1, reason="declined")
    assert _state(referral) == before
    assert trail.events() == []


def test_a_peer_closes_only_their_caseload_or_what_is_assigned_to_them(world) -> None:
    elsewhere = ReferralFactory(person=world["elsewhere"], received_on=NOV_1)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        referral_close(actor=world["peer"], referral=elsewhere, closed_on=NOV_1, reason="declined")
    assert _fresh(elsewhere).status == "received"
    offered = ReferralFactory(person=world["elsewhere"], assigned_to=world["peer"], received_on=NOV_1)
    assert referral_close(actor=world["peer"], referral=offered, closed_on=NOV_1, reason="declined").status == "closed"


def test_close_on_the_day_it_was_received(world) -> None:
    referral = ReferralFactory(received_on=NOV_1)
    assert referral_close(actor=world["manager"], referral=referral, closed_on=NOV_1, reason="duplicate").status == (
        "closed"
    )


@pytest.mark.parametrize(
    ("closed_on", "reason", "message"),
    [
        (dt.date(2022, 10, 31), "notified", "A referral cannot close before it was received"),
        (dt.date(2022, 11, 5), "moved_away", "Unknown close reason 'moved_away'"),
        (dt.date(2022, 11, 5), "", "Unknown close reason ''"),
    ],
)
def test_close_refuses_bad_dates_and_reasons(world, closed_on, reason, message) -> None:
    referral = ReferralFactory(person=world["own"], received_on=NOV_1)
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(ValidationError, match=message):
        referral_close(actor=world["peer"], referral=referral, closed_on=closed_on, reason=reason)
    assert _state(referral) == before
    assert trail.events() == []


@pytest.mark.parametrize("role", ["analyst", "admin", "integration"])
def test_close_is_refused_to_roles_outside_the_program_staff(world, role) -> None:
    referral = ReferralFactory(person=world["own"])
    before = _state(referral)
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not close referrals"):
        referral_close(actor=world[role], referral=referral, closed_on=dt.date(2022, 11, 5), reason="notified")
    assert _state(referral) == before
    assert trail.events() == []


def test_close_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    referral = ReferralFactory(person=world["own"])
    before = _state(referral)
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        referral_close(actor=world["peer"], referral=referral, closed_on=dt.date(2022, 11, 5), reason="notified")
    assert _state(referral) == before


# --- referral_receive ------------------------------------------------------------------------------

SENT_PERSON = {"key": "UNMH-4471", "first_name": "Mateo", "last_name": "Sandoval", "date_of_birth": dt.date(2003, 2, 1)}


def _receive(actor: Any, *, key: str = "UNMH-R-1", person: dict[str, Any] | None = None, **more: Any) -> Referral:
    values = {"received_on": NOV_1, "source": "hospital", "referred_by": "UNM Hospital", **more}
    return referral_receive(actor=actor, key=key, person=person or SENT_PERSON, **values)


@pytest.mark.parametrize("role", ["integration", "manager", "police"])
def test_receive_with_a_new_person_adds_them_and_the_referral(world, role) -> None:
    people = Person.objects.count()
    trail = AuditTrail()
    referral = _receive(world[role], reason="Gunshot wound, left leg")
    person = Person.objects.get(key="UNMH-4471")
    assert Person.objects.count() == people + 1
    assert (person.first_name, person.last_name, person.date_of_birth) == ("Mateo", "Sandoval", dt.date(2003, 2, 1))
    stored = _fresh(referral)
    assert (stored.key, stored.person_id, stored.source, stored.referred_by, stored.reason, stored.status) == (
        "UNMH-R-1",
        person.pk,
        "hospital",
        "UNM Hospital",
        "Gunshot wound, left leg",
        "received",
    )
    assert [(e.action, e.object_id, e.actor_id) for e in trail.events()] == [
        ("person.create", str(person.pk), world[role].pk),
        ("referral.create", str(referral.pk), world[role].pk),
    ]


def test_receive_with_a_known_person_refers_them_and_changes_nothing_of_them(world) -> None:
    known = PersonFactory(key="UNMH-4471", first_name="Mateo", last_name="Sandoval-Ruiz")
    people = Person.objects.count()
    trail = AuditTrail()
    referral = _receive(world["integration"])
    assert Person.objects.count() == people
    assert referral.person_id == known.pk
    assert Person.objects.get(pk=known.pk).last_name == "Sandoval-Ruiz"  # matched by key, never overwritten
    assert trail.actions() == [("referral.create", "success")]


def test_receive_refuses_the_same_key_twice(world) -> None:
    first = _receive(world["integration"])
    people, referrals = Person.objects.count(), Referral.objects.count()
    trail = AuditTrail()
    with pytest.raises(AlreadyReceivedError, match="already received"):
        _receive(world["integration"], person={"key": "OTHER-1", "first_name": "Diego", "last_name": "Luna"})
    assert (Person.objects.count(), Referral.objects.count()) == (people, referrals)
    assert not Person.objects.filter(key="OTHER-1").exists()
    assert _fresh(first).person.key == "UNMH-4471"
    assert trail.events() == []


@pytest.mark.parametrize(
    ("person", "more", "message"),
    [
        (SENT_PERSON, {"source": "carrier_pigeon"}, "is not a valid choice"),  # the referral is refused
        ({**SENT_PERSON, "sex": "q"}, {}, "is not a valid choice"),  # the person is refused
        ({**SENT_PERSON, "first_name": ""}, {}, "cannot be blank"),
    ],
)
def test_a_refused_receipt_leaves_nothing_behind(world, person, more, message) -> None:
    people = Person.objects.count()
    trail = AuditTrail()
    with pytest.raises(ValidationError, match=message):
        _receive(world["integration"], person=person, **more)
    assert Person.objects.count() == people
    assert not Person.objects.filter(key="UNMH-4471").exists()
    assert Referral.objects.count() == 0
    assert trail.events() == []


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_receive_is_refused_to_roles_that_may_not_record_referrals(world, role) -> None:
    people = Person.objects.count()
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match="Your role may not record referrals"):
        _receive(world[role])
    assert (Person.objects.count(), Referral.objects.count()) == (people, 0)
    assert trail.events() == []
