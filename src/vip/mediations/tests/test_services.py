"""Mediation services: record, change on the version opened, follow up, parties, void.

The policy's actions: peer support workers and managers record and follow up any mediation; a peer
worker changes and voids only what they recorded, a manager anything (but only the fields they
see). Each write records its one audit event, never the content; a refused one writes nothing and
records nothing; a stale version is a conflict."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import AuditTrail, audit_store_down
from vip.audit.services import REDACTED
from vip.core.errors import AlreadyReceivedError, ConflictError
from vip.core.models import Area
from vip.mediations.choices import ChangeKind
from vip.mediations.models import Mediation, MediationChange, MediationFollowUp, MediationParty, OutsideParty
from vip.mediations.services import (
    OutsidePartyInput,
    mediation_follow_up,
    mediation_follow_up_void,
    mediation_party_add,
    mediation_party_remove,
    mediation_record,
    mediation_update,
    mediation_void,
)

from .conftest import DAY

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Mediation.objects.count(),
        MediationParty.objects.count(),
        OutsideParty.objects.count(),
        MediationFollowUp.objects.count(),
        MediationChange.objects.count(),
    )


def _again(mediation: Mediation) -> Mediation:
    return Mediation.objects.get(pk=mediation.pk)


# --- mediation_record ----------------------------------------------------------------------------


def test_a_mediation_is_recorded_with_its_parties_and_audited_once_without_its_content(world, record, area) -> None:
    trail = AuditTrail()
    mediation = record()
    stored = _again(mediation)
    assert (stored.occurred_on, stored.area, stored.outcome, stored.recorded_by) == (
        DAY,
        area,
        "ongoing",
        world["peer"],
    )
    # In the order of the list of topics, each once.
    assert stored.topics == ["social_media", "respect"]
    assert stored.summary == "Agreed to stay off the block"
    parties = list(stored.parties.order_by("pk"))
    assert [(p.person, p.role) for p in parties] == [(world["own"], "party"), (None, "party")]
    outside = parties[1].outside
    assert (outside.name, outside.phone, outside.area, outside.recorded_by, outside.search_name) == (
        "Flaco",
        "505-555-0101",
        area,
        world["peer"],
        "flaco",
    )
    event = trail.single()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "mediation.record",
        "mediations.mediation",
        str(mediation.pk),
        world["peer"].pk,
    )
    assert event.changes["summary"] == REDACTED and event.changes["topics"] == REDACTED
    assert event.changes["outcome"] == "ongoing"


def test_a_manager_records_a_mediation_between_anyone_they_see(world, record) -> None:
    mediation = record(actor=world["manager"], people=[world["own"], world["elsewhere"], world["own"]])
    assert sorted(p.person_id for p in mediation.parties.all() if p.person_id) == sorted(
        [world["own"].pk, world["elsewhere"].pk]
    )


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_roles_that_do_not_mediate_are_refused_and_nothing_is_written(world, record, role) -> None:
    trail, before = AuditTrail(), _counts()
    with pytest.raises(PermissionDenied):
        record(actor=world[role], people=[])
    assert _counts() == before and trail.events() == []


def test_a_peer_names_as_participants_only_people_they_see(world, record) -> None:
    trail, before = AuditTrail(), _counts()
    with pytest.raises(PermissionDenied, match="outside parties"):
        record(people=[world["own"], world["elsewhere"]])
    assert _counts() == before and trail.events() == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"topics": ["gossip"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"topics": "respect"}, "topics"),
        ({"outcome": "fixed"}, "outcome"),
        ({"occurred_on": dt.date(2999, 1, 1)}, "occurred_on"),
        ({"occurred_on": timezone.now().date() + dt.timedelta(days=3)}, "occurred_on"),
        ({"outside": [OutsidePartyInput(name="  ")]}, "outside"),
        ({"outside": [OutsidePartyInput(name="x" * 201)]}, "outside"),
        ({"outside": [OutsidePartyInput(name="Flaco", role="boss")]}, "role"),
        ({"summary": "x" * 5001}, "summary"),
    ],
)
def test_bad_input_is_refused_naming_the_field(world, record, values, field) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        record(**values)
    assert field in caught.value.message_dict
    assert _counts() == before


def test_a_key_is_received_once(world, record) -> None:
    record(key="PHONE-1")
    with pytest.raises(AlreadyReceivedError):
        record(key="PHONE-1")
    assert Mediation.objects.filter(key="PHONE-1").count() == 1


def test_the_operator_records_no_mediation(world, record) -> None:
    with pytest.raises(ValidationError, match="staff account"):
        mediation_record(actor=None, occurred_on=DAY, outcome="resolved", topics=["other"])


def test_when_the_audit_cannot_be_written_nothing_is(world, record, monkeypatch) -> None:
    before = _counts()
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError):
        record()
    assert _counts() == before


# --- mediation_update ------------------------------------------------------------------------------


def test_the_recorder_changes_a_mediation_and_the_previous_values_are_kept(world, record) -> None:
    mediation = record()
    trail = AuditTrail()
    changed = mediation_update(
        actor=world["peer"],
        mediation=mediation,
        expected_version=mediation.version,
        outcome="escalated",
        topics=["money"],
        area=None,
        summary="It flared up again",
    )
    stored = _again(mediation)
    assert (stored.outcome, stored.topics, stored.area, stored.summary, stored.version) == (
        "escalated",
        ["money"],
        None,
        "It flared up again",
        2,
    )
    assert changed.version == 2
    event = trail.single()
    assert event.action == "mediation.update"
    assert event.changes["outcome"] == ["ongoing", "escalated"]
    assert event.changes["area"] == [Area.objects.get(code="southeast").pk, None]
    assert event.changes["summary"] == [REDACTED, REDACTED]
    history = MediationChange.objects.get(mediation=mediation)
    assert history.kind == ChangeKind.UPDATED
    assert history.previous == {"outcome": "ongoing", "area": "southeast"}
    assert json.loads(history.previous_protected) == {
        "topics": ["social_media", "respect"],
        "summary": "Agreed to stay off the block",
    }
    assert history.fields == ["area", "outcome", "summary", "topics"]


def test_a_change_on_a_stale_version_is_a_conflict_and_the_first_stands(world, record) -> None:
    mediation = record()
    opened = mediation.version
    mediation_update(actor=world["peer"], mediation=mediation, expected_version=opened, outcome="resolved")
    with pytest.raises(ConflictError):
        mediation_update(actor=world["manager"], mediation=mediation, expected_version=opened, outcome="escalated")
    assert _again(mediation).outcome == "resolved"
    assert MediationChange.objects.filter(mediation=mediation).count() == 1


def test_only_the_recorder_or_a_manager_changes_a_mediation(world, record) -> None:
    mediation = record()
    with pytest.raises(PermissionDenied, match="Only whoever recorded"):
        mediation_update(actor=world["other_peer"], mediation=mediation, expected_version=1, outcome="resolved")
    with pytest.raises(PermissionDenied):
        mediation_update(actor=world["police"], mediation=mediation, expected_version=1, outcome="resolved")
    mediation_update(actor=world["manager"], mediation=mediation, expected_version=1, outcome="resolved")
    assert _again(mediation).outcome == "resolved"


def test_a_manager_changes_only_what_they_see(world, record) -> None:
    mediation = record()
    with pytest.raises(ValidationError, match="summary"):
        mediation_update(actor=world["manager"], mediation=mediation, expected_version=1, summary="x")
    with pytest.raises(ValidationError, match="topics"):
        mediation_update(actor=world["manager"], mediation=mediation, expected_version=1, topics=["money"])
    assert _again(mediation).version == 1


def test_nothing_changed_is_said_so(world, record) -> None:
    mediation = record()
    with pytest.raises(ValidationError, match="Nothing was changed"):
        mediation_update(actor=world["peer"], mediation=mediation, expected_version=1, outcome="ongoing")


# --- follow-ups -----------------------------------------------------------------------------------


def test_a_follow_up_sets_the_outcome_and_a_new_version(world, record) -> None:
    mediation = record()
    trail = AuditTrail()
    # Any peer worker follows up the team's mediations.
    follow_up = mediation_follow_up(
        actor=world["other_peer"],
        mediation=mediation,
        followed_up_on=DAY + dt.timedelta(days=7),
        outcome="resolved",
        note="They shook hands",
    )
    stored = _again(mediation)
    assert (stored.outcome, stored.version) == ("resolved", 2)
    assert mediation.version == 2  # the caller's copy too
    assert (follow_up.by, follow_up.note, follow_up.outcome) == (world["other_peer"], "They shook hands", "resolved")
    event = trail.single()
    assert (event.action, event.object_type) == ("mediation.follow_up", "mediations.mediationfollowup")
    assert event.changes["note"] == REDACTED
    history = MediationChange.objects.get(mediation=mediation)
    assert (history.kind, history.previous, history.follow_up) == ("followed_up", {"outcome": "ongoing"}, follow_up)


def test_a_follow_up_comes_after_the_mediation_and_not_in_the_future(world, record) -> None:
    mediation = record()
    for day in (DAY - dt.timedelta(days=1), timezone.now().date() + dt.timedelta(days=2)):
        with pytest.raises(ValidationError) as caught:
            mediation_follow_up(actor=world["peer"], mediation=mediation, followed_up_on=day, outcome="resolved")
        assert "followed_up_on" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        mediation_follow_up(actor=world["police"], mediation=mediation, followed_up_on=DAY, outcome="resolved")
    assert not MediationFollowUp.objects.exists()


def test_voiding_the_latest_follow_up_puts_the_outcome_back(world, record) -> None:
    mediation = record()
    first = mediation_follow_up(actor=world["peer"], mediation=mediation, followed_up_on=DAY, outcome="resolved")
    second = mediation_follow_up(actor=world["peer"], mediation=mediation, followed_up_on=DAY, outcome="escalated")
    # The earlier one first: the later one still sets the outcome.
    mediation_follow_up_void(actor=world["peer"], follow_up=first, reason="wrong mediation", expected_version=1)
    assert _again(mediation).outcome == "escalated"
    # Then the later one: back to what it was before either.
    mediation_follow_up_void(actor=world["peer"], follow_up=second, reason="wrong mediation", expected_version=1)
    stored = _again(mediation)
    assert stored.outcome == "ongoing"
    assert MediationFollowUp.objects.filter(voided_at__isnull=False).count() == 2
    kinds = list(MediationChange.objects.filter(mediation=mediation).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["followed_up", "followed_up", "follow_up_voided", "follow_up_voided"]


def test_only_who_followed_up_or_a_manager_voids_a_follow_up(world, record) -> None:
    mediation = record()
    follow_up = mediation_follow_up(actor=world["peer"], mediation=mediation, followed_up_on=DAY, outcome="resolved")
    with pytest.raises(PermissionDenied):
        mediation_follow_up_void(actor=world["other_peer"], follow_up=follow_up, reason="no", expected_version=1)
    with pytest.raises(ValidationError) as caught:
        mediation_follow_up_void(actor=world["manager"], follow_up=follow_up, reason=" ", expected_version=1)
    assert "reason" in caught.value.message_dict
    mediation_follow_up_void(actor=world["manager"], follow_up=follow_up, reason="duplicate", expected_version=1)
    assert MediationFollowUp.objects.get(pk=follow_up.pk).voided_at is not None


# --- parties --------------------------------------------------------------------------------------


def test_parties_are_added_and_taken_off_on_the_version_opened(world, record) -> None:
    mediation = record(people=[], outside=[])
    trail = AuditTrail()
    added = mediation_party_add(
        actor=world["peer"], mediation=mediation, expected_version=1, person=world["own"], role="supporter"
    )
    assert trail.single().action == "mediation.update"
    outside = mediation_party_add(
        actor=world["peer"], mediation=mediation, expected_version=2, outside=OutsidePartyInput("Güero", "")
    )
    assert outside.outside.search_name == "guero"
    with pytest.raises(ConflictError):
        mediation_party_add(
            actor=world["peer"], mediation=mediation, expected_version=2, outside=OutsidePartyInput("Late", "")
        )
    with pytest.raises(ValidationError, match="already a party"):
        mediation_party_add(actor=world["peer"], mediation=mediation, expected_version=3, person=world["own"])
    removed = mediation_party_remove(actor=world["peer"], party=added, reason="was not there", expected_version=3)
    assert removed.removed_at is not None
    assert _again(mediation).version == 4
    history = MediationChange.objects.filter(mediation=mediation).order_by("pk")
    assert [(c.kind, c.party_id, c.reason) for c in history] == [
        ("party_added", added.pk, ""),
        ("party_added", outside.pk, ""),
        ("party_removed", added.pk, "was not there"),
    ]
    # Taken off, the participant may be added again.
    mediation_party_add(actor=world["peer"], mediation=mediation, expected_version=4, person=world["own"])


def test_a_party_is_someone_the_actor_sees_and_the_mediation_is_theirs_to_change(world, record) -> None:
    mediation = record(people=[], outside=[])
    with pytest.raises(PermissionDenied):
        mediation_party_add(actor=world["peer"], mediation=mediation, expected_version=1, person=world["elsewhere"])
    with pytest.raises(PermissionDenied):
        mediation_party_add(
            actor=world["other_peer"], mediation=mediation, expected_version=1, outside=OutsidePartyInput("X")
        )
    with pytest.raises(ValidationError, match="either"):
        mediation_party_add(actor=world["peer"], mediation=mediation, expected_version=1)
    assert _again(mediation).version == 1 and not mediation.parties.exists()


# --- voiding ----------------------------------------------------------------------------------------


def test_voiding_keeps_the_mediation_with_why_and_nothing_changes_it_after(world, record) -> None:
    mediation = record()
    trail = AuditTrail()
    voided = mediation_void(actor=world["peer"], mediation=mediation, reason="recorded twice", expected_version=1)
    assert voided.voided_at is not None and voided.version == 2
    assert trail.single().action == "mediation.void"
    history = MediationChange.objects.get(mediation=mediation)
    assert (history.kind, history.reason, history.changed_by) == ("voided", "recorded twice", world["peer"])
    with pytest.raises(ValidationError, match="voided"):
        mediation_update(actor=world["peer"], mediation=mediation, expected_version=2, outcome="resolved")
    with pytest.raises(ValidationError, match="voided"):
        mediation_follow_up(actor=world["peer"], mediation=mediation, followed_up_on=DAY, outcome="resolved")
    with pytest.raises(ValidationError, match="voided"):
        mediation_void(actor=world["peer"], mediation=mediation, reason="again", expected_version=2)


def test_voiding_needs_a_reason_the_right_and_the_current_version(world, record) -> None:
    mediation = record()
    with pytest.raises(PermissionDenied):
        mediation_void(actor=world["other_peer"], mediation=mediation, reason="mine", expected_version=1)
    with pytest.raises(ValidationError) as caught:
        mediation_void(actor=world["peer"], mediation=mediation, reason="", expected_version=1)
    assert "reason" in caught.value.message_dict
    mediation_update(actor=world["peer"], mediation=mediation, expected_version=1, outcome="resolved")
    with pytest.raises(ConflictError):
        mediation_void(actor=world["manager"], mediation=mediation, reason="twice", expected_version=1)
    assert _again(mediation).voided_at is None
    assert not MediationChange.objects.filter(kind="voided").exists()
