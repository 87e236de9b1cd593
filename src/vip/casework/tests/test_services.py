"""Peer casework services: needs assessments, contacts, case notes.

The policy's actions: needs assessments and case notes are the peer's, for their own caseload
only; contacts are the peer's (own caseload) and the managers' (anyone). Each write records
exactly one audit event of its own action, without the content; a refused one writes nothing
and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import DENVER, AuditTrail, audit_store_down
from vip.audit.services import REDACTED
from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment
from vip.casework.services import case_note_write, contact_record, needs_assessment_record

pytestmark = pytest.mark.django_db

NOV_4 = dt.date(2022, 11, 4)
MORNING = dt.datetime(2022, 11, 5, 10, 0, tzinfo=DENVER)
NOT_ON_CASELOAD = "This person is not on your caseload"


def _nothing_written() -> tuple[int, int, int, int]:
    return (
        NeedsAssessment.objects.count(),
        NeedItem.objects.count(),
        Contact.objects.count(),
        CaseNote.objects.count(),
    )


# --- needs_assessment_record -----------------------------------------------------------------------


def test_a_needs_assessment_is_recorded_with_its_items_and_audited_once(world) -> None:
    trail = AuditTrail()
    assessment = needs_assessment_record(
        actor=world["peer"],
        person=world["own"],
        assessed_on=NOV_4,
        needs={"housing": "urgent", "employment": "some", "legal": "none"},
        details={"housing": "Sleeping at a cousin's", "family": "not assessed, ignored"},
        summary="Wants work first",
    )
    stored = NeedsAssessment.objects.get(pk=assessment.pk)
    assert (stored.person_id, stored.assessed_on, stored.assessed_by_id, stored.summary) == (
        world["own"].pk,
        NOV_4,
        world["peer"].pk,
        "Wants work first",
    )
    items = {i.domain: (i.level, i.detail) for i in NeedItem.objects.filter(assessment=assessment)}
    assert items == {
        "housing": ("urgent", "Sleeping at a cousin's"),
        "employment": ("some", ""),
        "legal": ("none", ""),
    }
    event = trail.single()
    assert (event.action, event.outcome, event.object_type, event.object_id, event.actor_id) == (
        "casework.needs_assessment",
        "success",
        "casework.needsassessment",
        str(assessment.pk),
        world["peer"].pk,
    )
    assert event.changes["summary"] == REDACTED
    assert "Sleeping" not in str(event.changes)


@pytest.mark.parametrize(
    ("needs", "message"),
    [
        ({"housing": "urgent", "astrology": "some"}, "Unknown need astrology=some"),
        ({"housing": "dire"}, "Unknown need housing=dire"),
        ({"housing": ""}, "Unknown need housing="),
    ],
)
def test_a_needs_assessment_refuses_unknown_domains_and_levels(world, needs, message) -> None:
    trail = AuditTrail()
    with pytest.raises(ValidationError, match=message):
        needs_assessment_record(actor=world["peer"], person=world["own"], assessed_on=NOV_4, needs=needs)
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


def test_a_needs_assessment_refuses_a_missing_date(world) -> None:
    with pytest.raises(ValidationError, match="cannot be null"):
        needs_assessment_record(actor=world["peer"], person=world["own"], assessed_on=None, needs={"housing": "some"})
    assert _nothing_written() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("peer", "elsewhere", NOT_ON_CASELOAD),
        ("other_peer", "own", NOT_ON_CASELOAD),
        ("manager", "own", "Your role may not record needs assessments"),
        ("police", "own", "Your role may not record needs assessments"),
        ("analyst", "own", "Your role may not record needs assessments"),
        ("admin", "own", "Your role may not record needs assessments"),
        ("integration", "own", "Your role may not record needs assessments"),
    ],
)
def test_a_needs_assessment_is_the_assigned_peers_only(world, role, person, message) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match=message):
        needs_assessment_record(actor=world[role], person=world[person], assessed_on=NOV_4, needs={"housing": "some"})
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


def test_a_needs_assessment_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        needs_assessment_record(actor=world["peer"], person=world["own"], assessed_on=NOV_4, needs={"housing": "some"})
    assert _nothing_written() == (0, 0, 0, 0)


# --- contact_record --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "person"), [("peer", "own"), ("manager", "own"), ("manager", "elsewhere")])
def test_a_contact_is_recorded_and_audited_once(world, role, person) -> None:
    trail = AuditTrail()
    contact = contact_record(
        actor=world[role], person=world[person], contacted_at=MORNING, kind="phone", minutes=20, summary="Court date"
    )
    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.person_id, stored.by_id, stored.kind, stored.minutes, stored.summary) == (
        world[person].pk,
        world[role].pk,
        "phone",
        20,
        "Court date",
    )
    assert stored.contacted_at == dt.datetime(2022, 11, 5, 16, 0, tzinfo=dt.UTC)
    event = trail.single()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "casework.contact",
        "casework.contact",
        str(contact.pk),
        world[role].pk,
    )
    assert (event.changes["summary"], event.changes["kind"], event.changes["minutes"]) == (REDACTED, "phone", 20)


def test_a_contact_time_without_its_zone_is_refused(world) -> None:
    # Stored as if it were UTC it would be hours off, maybe on another day.
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="carry its time zone"):
        contact_record(
            actor=world["peer"], person=world["own"], contacted_at=MORNING.replace(tzinfo=None), kind="phone"
        )
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


def test_a_contact_without_minutes_or_summary(world) -> None:
    contact = contact_record(actor=world["peer"], person=world["own"], contacted_at=MORNING, kind="attempted")
    assert (contact.minutes, contact.summary, contact.kind) == (None, "", "attempted")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "carrier_pigeon"}, "is not a valid choice"),
        ({"minutes": -5}, "greater than or equal to 0"),
        ({"contacted_at": None}, "cannot be null"),
    ],
)
def test_a_contact_refuses_bad_values(world, values, message) -> None:
    trail = AuditTrail()
    arguments = {"contacted_at": MORNING, "kind": "in_person", **values}
    with pytest.raises(ValidationError, match=message):
        contact_record(actor=world["peer"], person=world["own"], **arguments)
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("peer", "elsewhere", NOT_ON_CASELOAD),
        ("police", "own", "Your role may not record contacts"),
        ("analyst", "own", "Your role may not record contacts"),
        ("admin", "own", "Your role may not record contacts"),
        ("integration", "own", "Your role may not record contacts"),
    ],
)
def test_a_contact_is_refused_outside_the_policy(world, role, person, message) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match=message):
        contact_record(actor=world[role], person=world[person], contacted_at=MORNING, kind="in_person")
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


# --- case_note_write -------------------------------------------------------------------------------


def test_a_case_note_is_written_now_and_audited_without_its_text(world) -> None:
    before = timezone.now()
    trail = AuditTrail()
    note = case_note_write(actor=world["peer"], person=world["own"], text="Talked about his brother")
    stored = CaseNote.objects.get(pk=note.pk)
    assert (stored.person_id, stored.author_id, stored.text) == (
        world["own"].pk,
        world["peer"].pk,
        "Talked about his brother",
    )
    assert before <= stored.written_at <= timezone.now()
    event = trail.single()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "casework.case_note",
        "casework.casenote",
        str(note.pk),
        world["peer"].pk,
    )
    assert event.changes["text"] == REDACTED
    assert "brother" not in str(event.changes)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_case_note_is_refused(world, text) -> None:
    trail = AuditTrail()
    with pytest.raises(ValidationError, match="A case note needs text"):
        case_note_write(actor=world["peer"], person=world["own"], text=text)
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


@pytest.mark.parametrize(
    ("role", "person", "message"),
    [
        ("peer", "elsewhere", NOT_ON_CASELOAD),
        ("other_peer", "own", NOT_ON_CASELOAD),
        ("manager", "own", "Your role may not write case notes"),
        ("police", "own", "Your role may not write case notes"),
        ("analyst", "own", "Your role may not write case notes"),
        ("admin", "own", "Your role may not write case notes"),
        ("integration", "own", "Your role may not write case notes"),
    ],
)
def test_a_case_note_is_the_assigned_peers_only(world, role, person, message) -> None:
    trail = AuditTrail()
    with pytest.raises(PermissionDenied, match=message):
        case_note_write(actor=world[role], person=world[person], text="Not mine to write")
    assert _nothing_written() == (0, 0, 0, 0)
    assert trail.events() == []


def test_a_case_note_and_its_audit_event_commit_together(world, monkeypatch) -> None:
    audit_store_down(monkeypatch)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        case_note_write(actor=world["peer"], person=world["own"], text="Must not be kept")
    assert _nothing_written() == (0, 0, 0, 0)
